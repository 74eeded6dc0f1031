package provider

import (
	"reflect"
	"testing"
)

func TestTraitStrings(t *testing.T) {
	t.Parallel()
	v, err := decodeJSON(`{"z":"last","a":{"phones":["+1","+2"],"n":3,"ok":true},"m":"mid"}`)
	if err != nil {
		t.Fatal(err)
	}
	got := traitStrings(v)
	want := []string{"+1", "+2", "mid", "last"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("traitStrings = %v, want %v", got, want)
	}
}
