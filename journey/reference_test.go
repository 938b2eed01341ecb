package journey

import "testing"

func TestParseReference(t *testing.T) {
	tests := []struct {
		in, want string // want "" means an error
	}{
		{"oci://ghcr.io/team/demo:1.0.0", "ghcr.io/team/demo:1.0.0"},
		{"oci://localhost:5000/demo:1.0.0-upstream", "localhost:5000/demo:1.0.0-upstream"},
		{"oci://127.0.0.1:5000/a/b/c@sha256:" + hex64, "127.0.0.1:5000/a/b/c@sha256:" + hex64},
		{"ghcr.io/team/demo:1.0.0", ""},       // no scheme
		{"oci://ghcr.io/Team/demo:1.0.0", ""}, // uppercase repository
		{"oci://ghcr.io/team/demo", ""},       // no tag
		{"oci://team/demo:1.0.0", ""},         // no registry
		{"oci://ghcr.io/team/demo:bad tag", ""},
		{"oci://", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ref, err := ParseReference(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("ParseReference(%q) = %s, want an error", tt.in, ref)
			case tt.want != "" && err != nil:
				t.Errorf("ParseReference(%q): %v", tt.in, err)
			case tt.want != "" && ref.String() != tt.want:
				t.Errorf("ParseReference(%q) = %s, want %s", tt.in, ref, tt.want)
			}
		})
	}
}

func TestParseRepository(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"oci://ghcr.io/team", "ghcr.io/team"},
		{"oci://ghcr.io/team/sub/", "ghcr.io/team/sub"},
		{"oci://localhost:5000/ns", "localhost:5000/ns"},
		{"oci://ghcr.io/team:1.0", ""},
		{"oci://ghcr.io/Team", ""},
		{"oci://team", ""},
		{"ghcr.io/team", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			repo, err := ParseRepository(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("ParseRepository(%q) = %s, want an error", tt.in, repo)
			case tt.want != "" && err != nil:
				t.Errorf("ParseRepository(%q): %v", tt.in, err)
			case tt.want != "" && repo.String() != tt.want:
				t.Errorf("ParseRepository(%q) = %s, want %s", tt.in, repo, tt.want)
			}
		})
	}
}

const hex64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
