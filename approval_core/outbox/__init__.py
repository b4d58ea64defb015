"""The fact outbox: facts written in the action's transaction, consumed by the supervisor."""
