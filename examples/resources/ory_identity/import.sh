# Import an identity by its UUID.
terraform import ory_identity.admin 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c
