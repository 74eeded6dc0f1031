package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

var (
	knownNull   = knownvalue.Null()
	mustCompile = regexp.MustCompile
)

// planLacks fails when secret appears in the planned values, the resource
// changes or the prior state, sensitive values included (the JSON plan shows
// those in clear text). The plan's copy of the configuration is left out: a
// test writes the password there as a literal.
func planLacks(secret string) plancheck.PlanCheck { return lacks{secret} }

// stateLacks fails when secret appears anywhere in the state.
func stateLacks(secret string) statecheck.StateCheck { return lacks{secret} }

type lacks struct{ secret string }

func (l lacks) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	p := req.Plan
	resp.Error = l.check("plan", []any{p.PlannedValues, p.ResourceChanges, p.ResourceDrift, p.PriorState, p.OutputChanges})
}

func (l lacks) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = l.check("state", req.State)
}

func (l lacks) check(what string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if strings.Contains(string(b), l.secret) {
		return fmt.Errorf("the %s contains the write-only password", what)
	}
	return nil
}

// jsonEquals checks that a string holds the same JSON as want, whatever its
// formatting.
func jsonEquals(want []byte) knownvalue.Check { return jsonEqual{want} }

type jsonEqual struct{ want []byte }

func (j jsonEqual) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a JSON string, got %T", v)
	}
	var got, want any
	if err := json.Unmarshal([]byte(s), &got); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := json.Unmarshal(j.want, &want); err != nil {
		return err
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("got JSON %s, want %s", s, j.want)
	}
	return nil
}

func (j jsonEqual) String() string { return string(j.want) }
