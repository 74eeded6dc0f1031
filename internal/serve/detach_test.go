package serve

import (
	"context"
	"runtime"
	"testing"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
)

// The provider's memory must not grow with the number of calls: 3,000
// ValidateResourceConfig calls over real gRPC, as the CLI makes them for
// 3,000 resources, keep under 4 MB more heap (without detachedContextServer the
// framework keeps about 10 KB a call: 30 MB).
func TestDetachedContextServerKeepsNoContexts(t *testing.T) {
	for _, name := range logLevelEnv {
		t.Setenv(name, "off")
	}
	newServer := func() tfprotov6.ProviderServer {
		return detachedContextServer{providerserver.NewProtocol6(provider.New("test")())()}
	}
	ctx := context.Background()
	schema, err := newServer().GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schema.ResourceSchemas["ory_identity"].ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	vals["schema_id"] = tftypes.NewValue(tftypes.String, "email")
	vals["traits"] = tftypes.NewValue(tftypes.String, `{"email":"a@example.com"}`)
	config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}

	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{
		"provider": &tf6server.GRPCProviderPlugin{GRPCProvider: newServer, Name: "registry.terraform.io/identity-as-code/ory"},
	})
	// The protocol's messages are internal to terraform-plugin-go: build them
	// from their registered descriptors.
	reqType := messageType(t, "tfplugin6.ValidateResourceConfig.Request")
	respType := messageType(t, "tfplugin6.ValidateResourceConfig.Response")
	dvType := messageType(t, "tfplugin6.DynamicValue")
	req := dynamicpb.NewMessage(reqType)
	req.Set(reqType.Fields().ByName("type_name"), protoreflect.ValueOfString("ory_identity"))
	dv := dynamicpb.NewMessage(dvType)
	dv.Set(dvType.Fields().ByName("msgpack"), protoreflect.ValueOfBytes(config.MsgPack))
	req.Set(reqType.Fields().ByName("config"), protoreflect.ValueOfMessage(dv))
	calls := func(n int) {
		for range n {
			resp := dynamicpb.NewMessage(respType)
			if err := client.Conn.Invoke(ctx, "/tfplugin6.Provider/ValidateResourceConfig", req, resp); err != nil {
				t.Fatal(err)
			}
			if d := resp.Get(respType.Fields().ByName("diagnostics")).List(); d.Len() > 0 {
				t.Fatalf("the configuration is refused: %v", d.Get(0))
			}
		}
	}
	calls(10)
	before := liveHeap()
	calls(3000)
	grown := int64(liveHeap()) - int64(before)
	t.Logf("3,000 calls: live heap grew by %d KB", grown/1024)
	if grown > 4<<20 {
		t.Errorf("3,000 calls grew the live heap by %d KB: contexts are kept after their calls", grown/1024)
	}
}

func messageType(t *testing.T, name protoreflect.FullName) protoreflect.MessageDescriptor {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return mt.Descriptor()
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
