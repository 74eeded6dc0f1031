package provider

import "testing"

func TestIsUUID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c": true,
		"5F1C3B8E-6D7A-4A43-9C1E-2B7F0F7B1A2C": true,
		"admin@example.com":                    false,
		"5f1c3b8e6d7a4a439c1e2b7f0f7b1a2c":     false,
		"5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2g": false,
		"":                                     false,
	} {
		if isUUID(s) != want {
			t.Errorf("isUUID(%q) = %v", s, !want)
		}
	}
}
