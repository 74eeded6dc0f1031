# Import the password of an identity by the identity's UUID. The next apply
# sets the configured password: the imported state can not know it.
terraform import ory_identity_password.deploy_bot 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c
