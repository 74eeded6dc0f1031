# adopt.tfquery.hcl: every identity of the project, with its data, so that
# terraform query -generate-config-out=FILE writes a complete ory_identity
# block and an import block for each.
list "ory_identity" "all" {
  provider         = ory
  include_resource = true
}
