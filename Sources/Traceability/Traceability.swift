// Lot tracing, QR labels, EPCIS export and audit reports; filled in by the buyers and inspectors work.
import CQRencode
