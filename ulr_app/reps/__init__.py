"""ULR appointments: the union's notices, the six-month training rule, the notice letter, stored
documents' download. What a ULR's page shows of their time off comes from time off (``rep.time_off``
hook). May use: core, api, organisation, accounts, reference, agreements."""
