//! Every action a key can trigger, by name. Keymaps bind keys to these
//! names; the help popup and the key-hint bar are generated from them, so
//! help never drifts from the keys in force.

use crate::protocol::ChannelKind;

macro_rules! commands {
    ($( $variant:ident => $name:literal, $desc:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $( $variant, )* }

        impl Command {
            pub const ALL: &'static [Command] = &[ $( Command::$variant, )* ];

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
    Quit => "app.quit", "Quit chatsmart";
    HelpOpen => "help.open", "Show the keys in force";
    FocusNext => "pane.focus_next", "Focus the next pane";
    FocusPrev => "pane.focus_prev", "Focus the previous pane";
    FocusList => "pane.focus_list", "Focus the chatroom list";
    FocusChat => "pane.focus_chat", "Focus the live chat";
    FocusCustomer => "pane.focus_customer", "Focus the customer panel";
    Back => "pane.back", "Go back (close, leave the compose box, clear)";

    ListNext => "list.next", "Next conversation";
    ListPrev => "list.prev", "Previous conversation";
    ListFirst => "list.first", "First conversation";
    ListLast => "list.last", "Last conversation";
    ListPageDown => "list.page_down", "A page of conversations down";
    ListPageUp => "list.page_up", "A page of conversations up";
    ListOpen => "list.open", "Open the selected conversation";

    SearchOpen => "search.open", "Search customers and messages";
    SearchClear => "search.clear", "Clear the search";

    ChannelAll => "filter.channel.all", "Show every channel";
    ChannelMessenger => "filter.channel.messenger", "Show Messenger only";
    ChannelWhatsapp => "filter.channel.whatsapp", "Show WhatsApp only";
    ChannelLine => "filter.channel.line", "Show LINE only";
    ChannelWechat => "filter.channel.wechat", "Show WeChat only";
    ChannelNext => "filter.channel.next", "Next channel tab";
    ChannelPrev => "filter.channel.prev", "Previous channel tab";
    SectionAgent => "filter.section.agent", "Chat with Agent";
    SectionBot => "filter.section.bot", "Chat with Bot";
    SectionToggle => "filter.section.toggle", "Switch Chat with Agent / Chat with Bot";
    AssigneeAll => "filter.assignee.all", "All conversations";
    AssigneeMe => "filter.assignee.me", "Assigned to me";
    AssigneeNew => "filter.assignee.new", "New requests (unassigned)";
    AssigneeOthers => "filter.assignee.others", "Assigned to others";
    AssigneeNext => "filter.assignee.next", "Next assignment filter";

    ChatScrollUp => "chat.scroll_up", "Scroll the conversation up a line";
    ChatScrollDown => "chat.scroll_down", "Scroll the conversation down a line";
    ChatPageUp => "chat.page_up", "Scroll the conversation up a page";
    ChatPageDown => "chat.page_down", "Scroll the conversation down a page";
    ChatTop => "chat.top", "Oldest message (loads older pages)";
    ChatBottom => "chat.bottom", "Newest message";
    RetryFailed => "chat.retry", "Retry the last message that failed to send, or a file that failed to upload";
    AttachOpen => "attach.open", "Attach a file to the reply (a path prompt; tab completes)";
    AttachRemove => "attach.remove", "Take the attached file off the reply";
    FilesOpen => "files.open", "List the conversation's files, to open or save one";
    FilesSave => "files.save", "Save the chosen file to the download folder";

    ComposeFocus => "compose.focus", "Write a reply";
    ComposeSend => "compose.send", "Send the reply";
    ComposeNewline => "compose.newline", "New line in the reply";
    EmojiOpen => "emoji.open", "Pick an emoji";

    InputLeft => "input.left", "Cursor left";
    InputRight => "input.right", "Cursor right";
    InputUp => "input.up", "Cursor up a line";
    InputDown => "input.down", "Cursor down a line";
    InputHome => "input.home", "Start of line";
    InputEnd => "input.end", "End of line";
    InputWordLeft => "input.word_left", "Word left";
    InputWordRight => "input.word_right", "Word right";
    InputBackspace => "input.backspace", "Delete before the cursor";
    InputDelete => "input.delete", "Delete at the cursor";
    InputDeleteWord => "input.delete_word", "Delete the word before the cursor";
    InputClearLine => "input.clear_line", "Delete to the start of the line";

    BotToggle => "bot.toggle", "Turn the bot on or off for this conversation";
    ConvResolve => "conv.resolve", "Resolve (the marked conversations, or this one)";
    ConvResolveNext => "conv.resolve_next", "Resolve, then open the next one that needs an answer";
    ConvReopen => "conv.reopen", "Reopen";
    ConvPending => "conv.pending", "Mark pending: waiting on the customer";
    ConvSnooze => "conv.snooze", "Snooze: 1 hour, tonight, tomorrow, next week, until the customer replies, or a time";
    ConvPriority => "conv.priority", "Set the priority";
    ConvTag => "conv.tag", "Tag the customer (of every marked conversation)";
    PaletteOpen => "palette.open", "Command palette: every command, conversation, standard reply and macro";
    PaletteCommand => "palette.command", "Type a command: assign bob, snooze 2h, priority high, filter channel=line";
    PickerAdd => "picker.add", "Insert the chosen reply and keep choosing (several in one message); complete a typed command";
    JumpUnread => "jump.next_unread", "Open the next conversation with unread messages";
    JumpMine => "jump.next_mine", "Open the next conversation assigned to me";
    JumpNew => "jump.next_new", "Open the next new request (unassigned, open)";
    JumpBack => "jump.back", "Back to the previous conversation";
    ListMark => "list.mark", "Mark or unmark the selected conversation (then act on all marked)";
    ListMarkAll => "list.mark_all", "Mark every conversation in the list (again: unmark)";
    StatusNext => "filter.status.next", "Next status view: active, open, pending, snoozed, resolved, all";
    SortNext => "list.sort.next", "Sort by newest activity, longest waiting, or priority";
    AssignOpen => "assign.open", "Assign agents";
    StandardOpen => "standard.open", "Standard replies";
    StandardSend => "standard.send", "Send the chosen standard reply at once";
    ReconnectNow => "conn.reconnect", "Reconnect to the server now, without waiting";
    StandardSearch => "standard.search", "Search every standard reply in scope (type to filter)";
    StandardBack => "standard.back", "Back from a folder's messages to the folders";
    StandardNew => "standard.new", "New folder (in the folders) or message (in a folder), where you may";
    StandardEdit => "standard.edit", "Edit the chosen folder or message, where you may";
    StandardDelete => "standard.delete", "Delete the chosen folder or message, where you may (asks first)";

    SettingsOpen => "settings.open", "Standard-message settings";
    SettingsNew => "settings.new", "New folder (folders) or message (messages)";
    SettingsEdit => "settings.edit", "Edit the selected folder or message";
    SettingsDelete => "settings.delete", "Delete the selected folder or message";
    SettingsChannelNext => "settings.channel_next", "Next channel filter";
    SettingsTemplate => "settings.template", "Save the spreadsheet template";
    SettingsImport => "settings.import", "Import standard messages from a spreadsheet";
    SettingsExport => "settings.export", "Export standard messages to a spreadsheet";
    CustomersImport => "customers.import", "Import customers from a spreadsheet or CSV";
    CustomersExport => "customers.export", "Export customers to a spreadsheet or CSV";

    FormNextField => "form.next_field", "Next field";
    FormPrevField => "form.prev_field", "Previous field";
    FormToggle => "form.toggle", "Tick or untick";
    FormSave => "form.save", "Save";

    CustomerNext => "customer.next", "Next line of the customer panel";
    CustomerPrev => "customer.prev", "Previous line of the customer panel";
    CustomerEdit => "customer.edit", "Edit the selected field, note or scheduled message";
    CustomerDelete => "customer.delete", "Remove the selected field, tag, note or scheduled message";
    CustomerTag => "customer.tag", "Add a tag to the customer";
    CustomerNote => "customer.note", "Write a note about the customer";
    CustomerSchedule => "customer.schedule", "Schedule a message to the customer";
    CustomerAddField => "customer.add_field", "Add a custom field";
    CustomerRename => "customer.rename", "Rename the selected custom field";

    TagsOpen => "tags.open", "Tags: filter the list by a tag, or manage tags";
    TagRename => "tags.rename", "Rename the selected tag";
    TagRecolor => "tags.recolor", "Recolour the selected tag";
    TagMerge => "tags.merge", "Merge the selected tag into another";
    TagDelete => "tags.delete", "Delete the selected tag";
    TagBroadcast => "tags.broadcast", "Broadcast a message to every customer with the selected tag";
    BroadcastsOpen => "broadcasts.open", "Broadcasts: progress and results; cancel one";

    PopupNext => "popup.next", "Next item";
    PopupPrev => "popup.prev", "Previous item";
    PopupConfirm => "popup.confirm", "Choose / add / yes";
    PopupRemove => "popup.remove", "Remove (assignee)";
    PopupClose => "popup.close", "Close";
}

impl Command {
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
}
