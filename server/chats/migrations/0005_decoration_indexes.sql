-- A history page looks up the pins and discussions of its messages by
-- message id; the primary key of pins and the discussion index both start
-- with the chat, so without these each page scanned every pin and every
-- chat on the server.
CREATE INDEX pins_by_message ON pins (message_id);
CREATE INDEX chats_by_parent_message ON chats (parent_message) WHERE parent_message IS NOT NULL;
