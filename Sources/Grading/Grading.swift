// Upload -> photo -> grade -> ledger entry; filled in by the batch grading work.
import CZlib
