# Import an identity by its UUID.
terraform import ory_identity.admin 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c

# Or by a login identifier (email, phone number or username) that names
# exactly one identity. Emails and usernames match in any case; phone numbers
# only as stored.
terraform import ory_identity.admin admin@example.com
terraform import ory_identity.admin +14155552671
