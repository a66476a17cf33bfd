-- Where a user's phone is registered, as the SIP proxy reports it after accepting a
-- REGISTER: the phone's Contact, the address the REGISTER came from (for phones behind
-- NAT), and until when. One phone per user: a new registration replaces the previous one.
-- New credentials (a rotation) forget the registration, since the phone's password is old.
ALTER TABLE sip_credentials ADD COLUMN contact TEXT;
ALTER TABLE sip_credentials ADD COLUMN received TEXT;
ALTER TABLE sip_credentials ADD COLUMN registered_until BIGINT;
