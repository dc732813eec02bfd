// SQLite storage of the ledger; filled in by the ledger work.
import CSQLite
