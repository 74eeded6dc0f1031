# Import a link by the identity's UUID, the provider id and the subject,
# separated by slashes. The subject is everything after the second slash.
terraform import ory_identity_oidc_credential.sso_admin_google 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c/google/109876543210987654321
