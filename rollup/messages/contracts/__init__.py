"""L1 contracts of the messages room: the messenger (:mod:`.messenger`) and an example
receiver, the vault (:mod:`.vault`)."""
