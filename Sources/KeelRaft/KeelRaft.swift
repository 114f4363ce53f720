/// KeelRaft: the Raft consensus protocol as a pure state machine (see docs/ARCHITECTURE.md).
