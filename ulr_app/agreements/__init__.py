"""Learning agreements: every clause recorded field by field, the lifecycle, which schools an
agreement covers, the clause library and the draft document, signed copies, reminders.
May use: core, api, organisation, accounts, reference."""
