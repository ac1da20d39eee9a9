//! Taking conversations: the bot toggle, assignment and its confirmations, status, snooze and priority.

use super::*;

#[test]
fn bot_toggle_and_assignment_follow_keys_and_events() {
    let mut app = fixtures::app_with_open(6);
    assert!(app.mirror.convs[&1].conversation.bot_active);
    let fx = press(&mut app, "b");
    assert_eq!(
        fx,
        vec![Effect::SetBot {
            conversation: 1,
            active: false
        }]
    );

    let mut conv = app.mirror.convs[&1].conversation.clone();
    conv.bot_active = false;
    update(
        &mut app,
        event(
            30,
            EventKind::BotToggled {
                conversation: conv.clone(),
                active: false,
                by: Some(1),
            },
        ),
    );
    assert!(!app.mirror.convs[&1].conversation.bot_active);
    press(&mut app, "esc S");
    assert!(app.list.view.contains(&1), "now in Chat with Agent");

    // The assignee picker: agents sorted by name; enter adds, - removes.
    press(&mut app, "tab");
    let fx = press(&mut app, "a");
    assert!(matches!(app.popup, Some(Popup::Assign { .. })));
    assert!(fx.contains(&Effect::LoadAgents));
    let fx = press(&mut app, "j enter");
    assert_eq!(
        fx,
        vec![Effect::Assign {
            conversation: 1,
            agent: 2
        }]
    );
    conv.assignees.push(Assignee {
        agent_id: 2,
        name: "Bob Chen".into(),
        assigned_at: fixtures::now(),
    });
    update(
        &mut app,
        event(
            31,
            EventKind::AssigneeAdded {
                conversation: conv.clone(),
                agent_id: 2,
                by: Some(1),
            },
        ),
    );
    let fx = press(&mut app, "-");
    assert_eq!(
        fx,
        vec![Effect::Unassign {
            conversation: 1,
            agent: 2
        }]
    );
    press(&mut app, "esc");
    assert!(app.popup.is_none());

    // Assigned to me moves it into "Mine".
    press(&mut app, "m");
    assert!(!app.list.view.contains(&1));
    conv.assignees.push(Assignee {
        agent_id: 1,
        name: "Alice Wong".into(),
        assigned_at: fixtures::now(),
    });
    update(
        &mut app,
        event(
            32,
            EventKind::AssigneeAdded {
                conversation: conv,
                agent_id: 1,
                by: Some(1),
            },
        ),
    );
    assert!(app.list.view.contains(&1));
}

/// Each change is confirmed once the server has it, in the help centre's
/// words; a refusal says what failed instead.
#[test]
fn assignment_and_bot_changes_are_confirmed() {
    let mut app = fixtures::app_with_open(6);
    let mut conv = app.mirror.convs[&1].conversation.clone();
    let said = |app: &mut App, confirm: Confirm, conv: &Conversation| {
        update(
            app,
            Msg::Reply(Box::new(Reply::Changed {
                what: "assigning".into(),
                confirm: Some(confirm),
                result: Ok(conv.clone()),
            })),
        );
        app.notice.as_ref().unwrap().text.clone()
    };
    assert_eq!(
        said(&mut app, Confirm::Bot(true), &conv),
        "Bot successfully assigned"
    );
    conv.bot_active = false;
    assert!(said(&mut app, Confirm::Bot(false), &conv).starts_with("Bot turned off"));
    conv.assignees.push(Assignee {
        agent_id: 2,
        name: "Bob Chen".into(),
        assigned_at: fixtures::now(),
    });
    assert_eq!(
        said(&mut app, Confirm::Assigned(2), &conv),
        "Agent successfully assigned: Bob Chen (bot off)"
    );
    conv.assignees.clear();
    app.mirror.agents = vec![Agent {
        id: 2,
        login: "bob".into(),
        name: "Bob Chen".into(),
        role: Role::Agent,
        teams: vec![],
        disabled: false,
    }];
    assert_eq!(
        said(&mut app, Confirm::Unassigned(2), &conv),
        "Bob Chen removed from the assignees"
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Changed {
            what: "assigning".into(),
            confirm: Some(Confirm::Assigned(2)),
            result: Err("agent is disabled".into()),
        })),
    );
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "assigning failed: agent is disabled"
    );
}

#[test]
fn status_snooze_and_priority_from_the_keyboard() {
    let mut app = fixtures::app(6);
    // From the list, the selected row.
    press(&mut app, "j");
    assert_eq!(
        press(&mut app, "X"),
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Resolved,
                snooze_until: None
            }
        )]
    );
    assert_eq!(
        press(&mut app, "P"),
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Pending,
                snooze_until: None
            }
        )]
    );
    // Priority menu: starts on the current one.
    press(&mut app, "p");
    assert!(matches!(&app.popup, Some(Popup::Priority(m)) if m.selected == 0));
    assert_eq!(
        press(&mut app, "j j j enter"),
        vec![Effect::SetPriority(2, Priority::High)]
    );
    assert!(app.popup.is_none());
    // Snooze: a preset, shown as a time in the agent's zone.
    press(&mut app, "z");
    assert_eq!(app.context(), chatsmart::tui::keymap::Context::Picker);
    let fx = press(&mut app, "down enter");
    let tonight = chatsmart::tui::when::parse("tonight", app.now, app.config.tz).unwrap();
    assert_eq!(
        fx,
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: Some(tonight)
            }
        )]
    );
    // A typed time; nonsense is explained and nothing is sent.
    press(&mut app, "z");
    type_text(&mut app, "whenever");
    assert!(press(&mut app, "enter").is_empty());
    assert!(matches!(&app.popup, Some(Popup::Snooze(m)) if m.error.is_some()));
    press(&mut app, "ctrl-u");
    type_text(&mut app, "in 3h");
    assert_eq!(
        press(&mut app, "enter"),
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: Some(app.now + chrono::Duration::hours(3))
            }
        )]
    );
    // Until the customer replies: no time at all.
    press(&mut app, "z");
    let fx = press(&mut app, "down down down down enter");
    assert_eq!(
        fx,
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: None
            }
        )]
    );
}
