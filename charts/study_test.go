package charts

import (
	"strings"
	"testing"
)

// The study page marks a configuration whose source was pretrained on the
// target and says once what the mark means; a study without one says
// nothing of it.
func TestStudyPageMarksSameDataConfigurations(t *testing.T) {
	for _, c := range []struct {
		configs     []StudyConfig
		marks, note int
	}{
		{[]StudyConfig{{Label: "mnist/last"}, {Label: "fashion/last", SameData: true}, {Label: "fashion/all", SameData: true}}, 2, 1},
		{[]StudyConfig{{Label: "mnist/last"}, {Label: "mnist/all"}}, 0, 0},
	} {
		path, err := WriteRecipeStudy(t.TempDir(), RecipeStudy{Target: "fashion", BaseName: "seed", ImprovedName: "cosine", Configs: c.configs})
		if err != nil {
			t.Fatal(err)
		}
		page := readFile(t, path)
		if n := strings.Count(page, "/all (same data)</td>") + strings.Count(page, "/last (same data)</td>"); n != c.marks {
			t.Errorf("%d rows marked (same data), want %d", n, c.marks)
		}
		if n := strings.Count(page, "not a transfer"); n != c.note {
			t.Errorf("the page says what the mark means %d times, want %d", n, c.note)
		}
	}
}
