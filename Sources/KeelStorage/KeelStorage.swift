/// KeelStorage: durable log, SQLite shard store and LZ4 value codec.
