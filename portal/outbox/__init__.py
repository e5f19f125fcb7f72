"""The transactional outbox: e-mail is written in the business transaction, sent later."""
