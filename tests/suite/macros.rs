//! Macros over real HTTP: shared macros kept on the server, assigning to a
//! team, and a run that goes through, and one that fails at step 2 and
//! says what was already done.

use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::tui::macros::{execute, MacroRun, Planned};

fn status(e: chatsmart::client::ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

#[tokio::test]
async fn shared_macros_are_kept_on_the_server_and_streamed() {
    let t = TestServer::start().await;
    let mut ws = t.ws(&t.alice.token, None).await;
    let steps = vec![
        MacroStep::Standard("refund".into()),
        MacroStep::Tag("refund".into()),
        MacroStep::AssignTeam("Billing".into()),
        MacroStep::Status(ConvStatus::Pending),
    ];
    let m = t
        .admin
        .client
        .put_macro("Refund request", &steps)
        .await
        .unwrap();
    assert_eq!(m.name, "Refund request");
    assert_eq!(m.steps, steps);
    ws.until(|e| matches!(&e.kind, EventKind::MacroChanged { shared } if shared.name == "Refund request"))
        .await;
    // Every agent reads them; only admins write them.
    let list = t.alice.client.macros().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        status(t.alice.client.put_macro("Mine", &steps).await.unwrap_err()),
        403
    );
    // Replacing keeps one (names match in any case).
    t.admin
        .client
        .put_macro("refund REQUEST", &steps[..2])
        .await
        .unwrap();
    let list = t.alice.client.macros().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].steps.len(), 2);
    // Bad macros are refused with a reason.
    assert_eq!(
        status(t.admin.client.put_macro("Empty", &[]).await.unwrap_err()),
        422
    );
    let r = t
        .http()
        .put(t.api("macros/Odd"))
        .bearer_auth(&t.admin.token)
        .json(&serde_json::json!({"steps": [{"fly": "away"}]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    // Delete.
    t.admin.client.delete_macro("refund request").await.unwrap();
    ws.until(|e| matches!(&e.kind, EventKind::MacroDeleted { .. }))
        .await;
    assert!(t.alice.client.macros().await.unwrap().is_empty());
    assert_eq!(
        status(
            t.admin
                .client
                .delete_macro("refund request")
                .await
                .unwrap_err()
        ),
        404
    );
}

#[tokio::test]
async fn assigning_a_team_picks_the_least_busy_member() {
    let t = TestServer::start().await;
    // Billing is Bob alone in the test server; Support is Ada and Alice.
    let a = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "m-1").await;
    let b = t.inbound(ChannelKind::Line, "U2", "Ann", "hi", "m-2").await;
    let c = &t.alice.client;
    let conv = c.assign_team(a.conversation_id, "support").await.unwrap();
    assert_eq!(conv.assignees.len(), 1);
    let first = conv.assignees[0].agent_id;
    // The other member now has fewer open conversations.
    let conv = c.assign_team(b.conversation_id, "Support").await.unwrap();
    assert_eq!(conv.assignees.len(), 1);
    assert_ne!(conv.assignees[0].agent_id, first);
    // Again on the same conversation: the member already there stays.
    let again = c.assign_team(b.conversation_id, "Support").await.unwrap();
    assert_eq!(again.assignees.len(), 1);
    let conv = c.assign_team(a.conversation_id, "Billing").await.unwrap();
    assert!(conv.is_assigned_to(t.bob.agent.id));
    assert_eq!(
        status(
            c.assign_team(a.conversation_id, "Nobody")
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status(c.assign_team(999_999, "Billing").await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn a_macro_runs_step_by_step_and_a_failure_says_what_was_done() {
    let t = TestServer::start().await;
    let a = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "r-1").await;
    let c = t.alice.client.clone();
    let good = MacroRun {
        name: "Refund request".into(),
        targets: vec![a.conversation_id],
        steps: vec![
            ("insert text".into(), Planned::Insert("Hello Mei".into())),
            (
                "tag #refund".into(),
                Planned::Act(BulkAction::Tag {
                    tag_id: None,
                    name: Some("refund".into()),
                }),
            ),
            (
                "assign to the Billing team".into(),
                Planned::AssignTeam("Billing".into()),
            ),
            (
                "set status pending".into(),
                Planned::Act(BulkAction::Status {
                    status: ConvStatus::Pending,
                    snooze_until: None,
                }),
            ),
        ],
    };
    let r = execute(&c, good).await;
    assert_eq!(r.failed, None);
    assert_eq!(r.done.len(), 4);
    assert_eq!(r.inserts, vec!["Hello Mei".to_string()]);
    let conv = c
        .conversation(a.conversation_id)
        .await
        .unwrap()
        .conversation;
    assert_eq!(conv.status, ConvStatus::Pending);
    assert!(conv.is_assigned_to(t.bob.agent.id));
    assert_eq!(conv.tag_ids.len(), 1);

    // Step 2 fails (no such team): step 1 stands, step 3 never runs.
    let bad = MacroRun {
        name: "Escalate".into(),
        targets: vec![a.conversation_id],
        steps: vec![
            (
                "set priority urgent".into(),
                Planned::Act(BulkAction::Priority {
                    priority: Priority::Urgent,
                }),
            ),
            (
                "assign to the Legal team".into(),
                Planned::AssignTeam("Legal".into()),
            ),
            (
                "set status open".into(),
                Planned::Act(BulkAction::Status {
                    status: ConvStatus::Open,
                    snooze_until: None,
                }),
            ),
        ],
    };
    let r = execute(&c, bad).await;
    let (n, what, why) = r.failed.clone().unwrap();
    assert_eq!(n, 2);
    assert_eq!(what, "assign to the Legal team");
    assert!(why.contains("not found"), "{why}");
    assert_eq!(r.done, vec!["set priority urgent".to_string()]);
    assert_eq!(r.skipped, vec!["set status open".to_string()]);
    let conv = c
        .conversation(a.conversation_id)
        .await
        .unwrap()
        .conversation;
    assert_eq!(conv.priority, Priority::Urgent, "step 1 was done");
    assert_eq!(conv.status, ConvStatus::Pending, "step 3 was not");
}
