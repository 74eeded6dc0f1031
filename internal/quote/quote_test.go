package quote

import (
	"strconv"
	"testing"
)

func TestJoin(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		items []string
		q     func(string) string
		sep   string
		want  string
	}{
		"none":          {nil, strconv.Quote, ", ", ""},
		"go quoted":     {[]string{"a", `b"c`}, strconv.Quote, ", ", `"a", "b\"c"`},
		"markdown code": {[]string{"active", "inactive"}, Code, ", ", "`active`, `inactive`"},
		"and":           {[]string{"ORY_URL", "ORY_SDK_URL"}, Code, " and ", "`ORY_URL` and `ORY_SDK_URL`"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Join(tc.items, tc.q, tc.sep); got != tc.want {
				t.Errorf("Join = %s, want %s", got, tc.want)
			}
		})
	}
}
