package main

import (
	"fmt"
	"slices"
	"strings"
)

// choiceFlag is a flag that takes one of a fixed set of values. Its type,
// which --help shows, lists them ("fp32|bf16"), and any other value fails
// when the command line is parsed (a usage error, exit 2), naming them.
type choiceFlag struct {
	value   string
	choices []string
}

func newChoice(def string, choices ...string) choiceFlag {
	return choiceFlag{value: def, choices: choices}
}

func (c *choiceFlag) String() string { return c.value }
func (c *choiceFlag) Type() string   { return strings.Join(c.choices, "|") }

func (c *choiceFlag) Set(s string) error {
	if !slices.Contains(c.choices, s) {
		return fmt.Errorf("choose %s", orList(c.choices))
	}
	c.value = s
	return nil
}

// choiceListFlag is a list flag whose every element is one of a fixed set:
// comma-separated or the flag given again; the first value given replaces
// the default.
type choiceListFlag struct {
	values  []string
	choices []string
	changed bool
}

func newChoiceList(def []string, choices ...string) choiceListFlag {
	return choiceListFlag{values: slices.Clone(def), choices: choices}
}

func (c *choiceListFlag) String() string { return "[" + strings.Join(c.values, ",") + "]" }
func (c *choiceListFlag) Type() string   { return strings.Join(c.choices, "|") }

func (c *choiceListFlag) Set(s string) error {
	vs := strings.Split(s, ",")
	for _, v := range vs {
		if !slices.Contains(c.choices, v) {
			return fmt.Errorf("unknown %q: choose %s, or several separated by commas", v, orList(c.choices))
		}
	}
	if !c.changed {
		c.values, c.changed = nil, true
	}
	c.values = append(c.values, vs...)
	return nil
}

// orList is "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
