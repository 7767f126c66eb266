-- Sender certificate chains, each stored once. A message row's
-- sender_chain holds either the chain itself (a JSON array of base64 DER
-- certificates, as before) or a reference to a row here: "sha256:" and
-- the hex SHA-256 of that JSON. Every message from one SVID carries the
-- same chain, about 1.6 KB, so storing it once keeps message rows small.
-- Rows are never changed or deleted: a reference names its content.
CREATE TABLE sender_chains (
	ref   TEXT PRIMARY KEY,
	chain TEXT NOT NULL
);
