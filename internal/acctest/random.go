package acctest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"sync"
)

// Test data is random so that tests can share one Kratos and run in
// parallel; the set makes it unique within the test binary.
var (
	usedMu sync.Mutex
	used   = map[string]bool{}
)

func unique(gen func() string) string {
	usedMu.Lock()
	defer usedMu.Unlock()
	for {
		if s := gen(); !used[s] {
			used[s] = true
			return s
		}
	}
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// RandomEmail returns a unique lower-case address like tf-acc-<hex>@example.com.
func RandomEmail() string {
	return unique(func() string { return "tf-acc-" + RandomHex(6) + "@example.com" })
}

// RandomUsername returns a unique lower-case username like tf-acc-<hex>.
func RandomUsername() string {
	return unique(func() string { return "tf-acc-" + RandomHex(6) })
}

// RandomPhone returns a unique E.164 number in San Francisco's area code 415
// (+1 415 NXX XXXX, N = 2-9). Kratos checks format "tel" with libphonenumber's
// IsValidNumber: every such number passes (checked for all exchanges 200-999
// against Kratos v1.3.1), while made-up area codes like +1 555 are refused.
func RandomPhone() string {
	return unique(func() string {
		return fmt.Sprintf("+1415%d%06d", 2+randomInt(8), randomInt(1000000))
	})
}

// RandomPassword returns a strong random password that passes Kratos's policy
// (length, not similar to any identifier).
func RandomPassword() string {
	return "Tf-" + RandomHex(12) + "-acc!"
}

func randomInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(err)
	}
	return v.Int64()
}
