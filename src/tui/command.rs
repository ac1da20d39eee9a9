//! Every action a key can trigger, by name. Keymaps bind keys to these
//! names; the help popup and the key-hint bar are generated from them, so
//! help never drifts from the keys in force.

use crate::protocol::ChannelKind;

macro_rules! commands {
    ($( $variant:ident => $area:ident, $name:literal, $desc:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $( $variant, )* }

        impl Command {
            pub const ALL: &'static [Command] = &[ $( Command::$variant, )* ];

            /// The part of the program it belongs to (its name's prefix).
            pub fn area(self) -> Area {
                match self { $( Command::$variant => Area::$area, )* }
            }

            /// The name used in keymap files, for example `list.next`.
            pub fn name(self) -> &'static str {
                match self { $( Command::$variant => $name, )* }
            }

            /// What it does, for the help popup.
            pub fn description(self) -> &'static str {
                match self { $( Command::$variant => $desc, )* }
            }

            pub fn from_name(name: &str) -> Option<Command> {
                match name { $( $name => Some(Command::$variant), )* _ => None }
            }
        }
    };
}

commands! {
    Quit => App, "app.quit", "Quit chatsmart";
    HelpOpen => Help, "help.open", "Show the keys in force";
    FocusNext => Pane, "pane.focus_next", "Focus the next pane";
    FocusPrev => Pane, "pane.focus_prev", "Focus the previous pane";
    FocusList => Pane, "pane.focus_list", "Focus the chatroom list";
    FocusChat => Pane, "pane.focus_chat", "Focus the live chat";
    FocusCustomer => Pane, "pane.focus_customer", "Focus the customer panel";
    Back => Pane, "pane.back", "Go back (close, leave the compose box, clear)";

    ListNext => List, "list.next", "Next conversation";
    ListPrev => List, "list.prev", "Previous conversation";
    ListFirst => List, "list.first", "First conversation";
    ListLast => List, "list.last", "Last conversation";
    ListPageDown => List, "list.page_down", "A page of conversations down";
    ListPageUp => List, "list.page_up", "A page of conversations up";
    ListOpen => List, "list.open", "Open the selected conversation";

    SearchOpen => Search, "search.open", "Search customers and messages";
    SearchClear => Search, "search.clear", "Clear the search";

    ChannelAll => Filter, "filter.channel.all", "Show every channel";
    ChannelMessenger => Filter, "filter.channel.messenger", "Show Messenger only";
    ChannelWhatsapp => Filter, "filter.channel.whatsapp", "Show WhatsApp only";
    ChannelLine => Filter, "filter.channel.line", "Show LINE only";
    ChannelWechat => Filter, "filter.channel.wechat", "Show WeChat only";
    ChannelNext => Filter, "filter.channel.next", "Next channel tab";
    ChannelPrev => Filter, "filter.channel.prev", "Previous channel tab";
    SectionAgent => Filter, "filter.section.agent", "Chat with Agent";
    SectionBot => Filter, "filter.section.bot", "Chat with Bot";
    SectionToggle => Filter, "filter.section.toggle", "Switch Chat with Agent / Chat with Bot";
    AssigneeAll => Filter, "filter.assignee.all", "All conversations";
    AssigneeMe => Filter, "filter.assignee.me", "Assigned to me";
    AssigneeNew => Filter, "filter.assignee.new", "New requests (unassigned)";
    AssigneeOthers => Filter, "filter.assignee.others", "Assigned to others";
    AssigneeNext => Filter, "filter.assignee.next", "Next assignment filter";

    ChatScrollUp => Chat, "chat.scroll_up", "Scroll the conversation up a line";
    ChatScrollDown => Chat, "chat.scroll_down", "Scroll the conversation down a line";
    ChatPageUp => Chat, "chat.page_up", "Scroll the conversation up a page";
    ChatPageDown => Chat, "chat.page_down", "Scroll the conversation down a page";
    ChatTop => Chat, "chat.top", "Oldest message (loads older pages)";
    ChatBottom => Chat, "chat.bottom", "Newest message";
    RetryFailed => Chat, "chat.retry", "Retry the last message that failed to send, or a file that failed to upload";
    AttachOpen => Attach, "attach.open", "Attach a file to the reply (a path prompt; tab completes)";
    AttachRemove => Attach, "attach.remove", "Take the attached file off the reply";
    FilesOpen => Files, "files.open", "List the conversation's files, to open or save one";
    FilesSave => Files, "files.save", "Save the chosen file to the download folder";

    ComposeFocus => Compose, "compose.focus", "Write a reply";
    ComposeSend => Compose, "compose.send", "Send the reply";
    ComposeNewline => Compose, "compose.newline", "New line in the reply";
    EmojiOpen => Emoji, "emoji.open", "Pick an emoji";

    InputLeft => Input, "input.left", "Cursor left";
    InputRight => Input, "input.right", "Cursor right";
    InputUp => Input, "input.up", "Cursor up a line";
    InputDown => Input, "input.down", "Cursor down a line";
    InputHome => Input, "input.home", "Start of line";
    InputEnd => Input, "input.end", "End of line";
    InputWordLeft => Input, "input.word_left", "Word left";
    InputWordRight => Input, "input.word_right", "Word right";
    InputBackspace => Input, "input.backspace", "Delete before the cursor";
    InputDelete => Input, "input.delete", "Delete at the cursor";
    InputDeleteWord => Input, "input.delete_word", "Delete the word before the cursor";
    InputClearLine => Input, "input.clear_line", "Delete to the start of the line";

    BotToggle => Bot, "bot.toggle", "Turn the bot on or off for this conversation";
    ConvResolve => Conv, "conv.resolve", "Resolve (the marked conversations, or this one)";
    ConvResolveNext => Conv, "conv.resolve_next", "Resolve, then open the next one that needs an answer";
    ConvReopen => Conv, "conv.reopen", "Reopen";
    ConvPending => Conv, "conv.pending", "Mark pending: waiting on the customer";
    ConvSnooze => Conv, "conv.snooze", "Snooze: 1 hour, tonight, tomorrow, next week, until the customer replies, or a time";
    ConvPriority => Conv, "conv.priority", "Set the priority";
    ConvTag => Conv, "conv.tag", "Tag the customer (of every marked conversation)";
    PaletteOpen => Palette, "palette.open", "Command palette: every command, conversation, standard reply and macro";
    PaletteCommand => Palette, "palette.command", "Type a command: assign bob, snooze 2h, priority high, filter channel=line";
    PickerAdd => Picker, "picker.add", "Insert the chosen reply and keep choosing (several in one message); complete a typed command";
    JumpUnread => Jump, "jump.next_unread", "Open the next conversation with unread messages";
    JumpMine => Jump, "jump.next_mine", "Open the next conversation assigned to me";
    JumpNew => Jump, "jump.next_new", "Open the next new request (unassigned, open)";
    JumpBack => Jump, "jump.back", "Back to the previous conversation";
    ListMark => List, "list.mark", "Mark or unmark the selected conversation (then act on all marked)";
    ListMarkAll => List, "list.mark_all", "Mark every conversation in the list (again: unmark)";
    StatusNext => Filter, "filter.status.next", "Next status view: active, open, pending, snoozed, resolved, all";
    SortNext => List, "list.sort.next", "Sort by newest activity, longest waiting, or priority";
    AssignOpen => Assign, "assign.open", "Assign agents";
    StandardOpen => Standard, "standard.open", "Standard replies";
    StandardSend => Standard, "standard.send", "Send the chosen standard reply at once";
    ReconnectNow => Conn, "conn.reconnect", "Reconnect to the server now, without waiting";
    StandardSearch => Standard, "standard.search", "Search every standard reply in scope (type to filter)";
    StandardBack => Standard, "standard.back", "Back from a folder's messages to the folders";
    StandardNew => Standard, "standard.new", "New folder (in the folders) or message (in a folder), where you may";
    StandardEdit => Standard, "standard.edit", "Edit the chosen folder or message, where you may";
    StandardDelete => Standard, "standard.delete", "Delete the chosen folder or message, where you may (asks first)";

    SettingsOpen => Settings, "settings.open", "Standard-message settings";
    SettingsNew => Settings, "settings.new", "New folder (folders) or message (messages)";
    SettingsEdit => Settings, "settings.edit", "Edit the selected folder or message";
    SettingsDelete => Settings, "settings.delete", "Delete the selected folder or message";
    SettingsChannelNext => Settings, "settings.channel_next", "Next channel filter";
    SettingsTemplate => Settings, "settings.template", "Save the spreadsheet template";
    SettingsImport => Settings, "settings.import", "Import standard messages from a spreadsheet";
    SettingsExport => Settings, "settings.export", "Export standard messages to a spreadsheet";
    CustomersImport => Customers, "customers.import", "Import customers from a spreadsheet or CSV";
    CustomersExport => Customers, "customers.export", "Export customers to a spreadsheet or CSV";

    FormNextField => Form, "form.next_field", "Next field";
    FormPrevField => Form, "form.prev_field", "Previous field";
    FormToggle => Form, "form.toggle", "Tick or untick";
    FormSave => Form, "form.save", "Save";

    CustomerNext => Customer, "customer.next", "Next line of the customer panel";
    CustomerPrev => Customer, "customer.prev", "Previous line of the customer panel";
    CustomerEdit => Customer, "customer.edit", "Edit the selected field, note or scheduled message";
    CustomerDelete => Customer, "customer.delete", "Remove the selected field, tag, note or scheduled message";
    CustomerTag => Customer, "customer.tag", "Add a tag to the customer";
    CustomerNote => Customer, "customer.note", "Write a note about the customer";
    CustomerSchedule => Customer, "customer.schedule", "Schedule a message to the customer";
    CustomerAddField => Customer, "customer.add_field", "Add a custom field";
    CustomerRename => Customer, "customer.rename", "Rename the selected custom field";

    TagsOpen => Tags, "tags.open", "Tags: filter the list by a tag, or manage tags";
    TagRename => Tags, "tags.rename", "Rename the selected tag";
    TagRecolor => Tags, "tags.recolor", "Recolour the selected tag";
    TagMerge => Tags, "tags.merge", "Merge the selected tag into another";
    TagDelete => Tags, "tags.delete", "Delete the selected tag";
    TagBroadcast => Tags, "tags.broadcast", "Broadcast a message to every customer with the selected tag";
    BroadcastsOpen => Broadcasts, "broadcasts.open", "Broadcasts: progress and results; cancel one";

    PopupNext => Popup, "popup.next", "Next item";
    PopupPrev => Popup, "popup.prev", "Previous item";
    PopupConfirm => Popup, "popup.confirm", "Choose / add / yes";
    PopupRemove => Popup, "popup.remove", "Remove (assignee)";
    PopupClose => Popup, "popup.close", "Close";
}

/// The parts of the program commands belong to: each command's name
/// starts with its area's prefix (`input.left` is in [`Area::Input`]), and
/// handlers dispatch on the area rather than on the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    App,
    Help,
    Pane,
    List,
    Search,
    Filter,
    Chat,
    Attach,
    Files,
    Compose,
    Emoji,
    Input,
    Bot,
    Conv,
    Palette,
    Picker,
    Jump,
    Assign,
    Standard,
    Conn,
    Settings,
    Customers,
    Form,
    Customer,
    Tags,
    Broadcasts,
    Popup,
}

impl Area {
    /// The prefix of its commands' names.
    pub fn prefix(self) -> &'static str {
        match self {
            Area::App => "app",
            Area::Help => "help",
            Area::Pane => "pane",
            Area::List => "list",
            Area::Search => "search",
            Area::Filter => "filter",
            Area::Chat => "chat",
            Area::Attach => "attach",
            Area::Files => "files",
            Area::Compose => "compose",
            Area::Emoji => "emoji",
            Area::Input => "input",
            Area::Bot => "bot",
            Area::Conv => "conv",
            Area::Palette => "palette",
            Area::Picker => "picker",
            Area::Jump => "jump",
            Area::Assign => "assign",
            Area::Standard => "standard",
            Area::Conn => "conn",
            Area::Settings => "settings",
            Area::Customers => "customers",
            Area::Form => "form",
            Area::Customer => "customer",
            Area::Tags => "tags",
            Area::Broadcasts => "broadcasts",
            Area::Popup => "popup",
        }
    }
}

impl Command {
    /// Editing the text field that has the keyboard.
    pub fn is_input(self) -> bool {
        self.area() == Area::Input
    }

    /// The channel a channel-filter command selects (None: all).
    pub fn channel_filter(self) -> Option<Option<ChannelKind>> {
        match self {
            Command::ChannelAll => Some(None),
            Command::ChannelMessenger => Some(Some(ChannelKind::Messenger)),
            Command::ChannelWhatsapp => Some(Some(ChannelKind::Whatsapp)),
            Command::ChannelLine => Some(Some(ChannelKind::Line)),
            Command::ChannelWechat => Some(Some(ChannelKind::Wechat)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Command::ALL {
            assert!(seen.insert(c.name()), "duplicate {}", c.name());
            assert_eq!(Command::from_name(c.name()), Some(*c));
            assert!(!c.description().is_empty());
        }
        assert_eq!(Command::from_name("no.such"), None);
    }

    #[test]
    fn every_name_starts_with_its_area() {
        for c in Command::ALL {
            let prefix = format!("{}.", c.area().prefix());
            assert!(
                c.name().starts_with(&prefix),
                "{} is not in {prefix}",
                c.name()
            );
        }
        assert!(Command::InputLeft.is_input());
        assert!(!Command::PopupNext.is_input());
    }
}
