package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
	"transferlab/transfer"
)

func newStudyCommand() *cobra.Command {
	study := &cobra.Command{
		Use:   "study",
		Short: "Studies of what a training recipe buys: study recipe",
	}
	study.AddCommand(newStudyRecipeCommand())
	return study
}

// studyRecipeOptions are the flags of 'transferlab study recipe'.
type studyRecipeOptions struct {
	trainOptions
	target   string
	seeds    int
	perClass perClassFlag
	improved choiceFlag
}

func (o *studyRecipeOptions) AddFlags(f *pflag.FlagSet) {
	def, _ := transfer.Finetune("mnist", "last")
	o.trainOptions.AddFlags(f, def)
	o.addPretrainedDirFlag(f)
	o.addTargetFlags(f)
	f.StringVar(&o.target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addSeedsFlag(f, &o.seeds)
	addPerClassFlag(f, &o.perClass, def.PerClass)
	var names []string
	for _, r := range transfer.ImprovedRecipes {
		names = append(names, r.Name)
	}
	o.improved = newChoice(names[0], names...)
	f.Var(&o.improved, "improved", "the recipe set against the seed's: "+strings.Join(names, ", ")+" (see the command's help)")
}

// improvedRecipesHelp lists the improved recipes, a few lines each.
func improvedRecipesHelp() string {
	var b strings.Builder
	for _, r := range transfer.ImprovedRecipes {
		fmt.Fprintf(&b, "  %s: %s\n", r.Name, r.Flags)
		if r.Note != "" {
			fmt.Fprintf(&b, "    (%s)\n", r.Note)
		}
	}
	return b.String()
}

func newStudyRecipeCommand() *cobra.Command {
	var opts studyRecipeOptions
	cmd := &cobra.Command{
		Use:   "recipe",
		Short: "Run the five transfer configurations with the seed's recipe and with an improved one; compare test accuracy by seed",
		Long: fmt.Sprintf(`study recipe trains each of the five transfer configurations (none/all,
mnist/last, mnist/all, fashion/last, fashion/all) on --target with two
recipes, --seeds times each over the same seeds:

  %s: the seed homework's (constant Adam, plain images, the last epoch)
  and the --improved one (default %s):
%s
It prints and writes results/study-recipe-<target>.html: per configuration
the test accuracy of each recipe (mean ± sd) and the improved recipe's gain,
paired by seed, with the 95%% t interval of the paired differences. The
training flags (--epochs, --per-class, --lr, ...) apply to both recipes.`,
			transfer.SeedRecipe.Name, transfer.ImprovedRecipes[0].Name, improvedRecipesHelp()),
		RunE: func(cmd *cobra.Command, args []string) error {
			return targetUnavailable(runStudyRecipe(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runStudyRecipe(ctx context.Context, o studyRecipeOptions, stdout, stderr io.Writer) error {
	if err := checkSeeds(o.seed, o.seeds); err != nil {
		return err
	}
	if err := checkTarget(o.target); err != nil {
		return err
	}
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	opts.Target, opts.PerClass = o.target, o.perClass.n
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	improved, err := transfer.ImprovedRecipe(o.improved.value)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(stderr, "study: %s recipe against %s: %s\n", transfer.SeedRecipe.Name, improved.Name, improved.Flags)
	configs, err := transfer.RunRecipeStudy(ctx, opts, improved, o.seeds)
	if len(configs) > 0 {
		_ = transfer.WriteStudyTable(stdout, configs, improved)
		rebuildReport(o.resultsDir, "", stderr)
		page, perr := charts.WriteRecipeStudy(o.resultsDir, recipeStudy(o.target, configs, improved))
		if perr != nil {
			fmt.Fprintf(stderr, "transferlab: warning: study page not written: %v\n", perr)
		} else {
			fmt.Fprintf(stderr, "study: %s\n", page)
		}
	}
	return err
}

// recipeStudy is the page's view of a study's runs.
func recipeStudy(target string, configs []transfer.StudyConfig, improved transfer.StudyRecipe) charts.RecipeStudy {
	s := charts.RecipeStudy{Target: target, BaseName: transfer.SeedRecipe.Name, BaseFlags: "the seed homework's",
		ImprovedName: improved.Name, ImproveHow: improved.Flags}
	for _, c := range configs {
		s.Configs = append(s.Configs, charts.StudyConfig{Label: c.Label, SameData: c.SameData, Base: c.Seed, Improved: c.Improved})
	}
	return s
}
