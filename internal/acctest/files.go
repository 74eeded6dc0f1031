package acctest

import "os"

// CopyFile copies the file from into to, readable by this user only.
func CopyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}
