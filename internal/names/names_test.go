package names

import "testing"

func TestSlug(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"emnist-letters", "emnist-letters"},
		{"idx:/data/mine", "idx-mine"},
		{"idx:/data/mine/", "idx-mine"},
		{"folder:../shapes", "folder-shapes"},
		{"from:conv3", "from-conv3"},
		{"my net v2", "my_net_v2"},
		{`a/b\c`, "a_b_c"},
		{"..hidden", "hidden"},
		{"lr1e-3.", "lr1e-3"},
		{"é", ""},
		{"", ""},
	} {
		if got := Slug(c.in); got != c.want {
			t.Errorf("Slug(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
