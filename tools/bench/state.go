package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// tfState is the part of a terraform.tfstate file the checks read.
type tfState struct {
	Resources []struct {
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey   any            `json:"index_key"`
			Attributes map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

func readState(path string) (*tfState, error) {
	b, err := os.ReadFile(path) //nolint:gosec // A state file in the harness's own temporary directory.
	if err != nil {
		return nil, err
	}
	var st tfState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &st, nil
}

// instances returns the attributes of every instance of one resource by its
// index key (an empty key for a resource without for_each).
func (st *tfState) instances(mode, typ, name string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range st.Resources {
		if r.Mode != mode || r.Type != typ || r.Name != name {
			continue
		}
		for _, in := range r.Instances {
			key, _ := in.IndexKey.(string)
			out[key] = in.Attributes
		}
	}
	return out
}

// expectInstances checks the number of instances of the managed resource
// typ.r, the name every per-address variant uses.
func (st *tfState) expectInstances(typ string, n int) []string {
	if got := len(st.instances("managed", typ, "r")); got != n {
		return []string{fmt.Sprintf("state holds %d instances of %s.r, want %d", got, typ, n)}
	}
	return nil
}

func (st *tfState) expectDataInstances(typ, name string, n int, ok func(key string, attrs map[string]any) bool) []string {
	insts := st.instances("data", typ, name)
	if len(insts) != n {
		return []string{fmt.Sprintf("state holds %d instances of data.%s.%s, want %d", len(insts), typ, name, n)}
	}
	bad := 0
	for key, attrs := range insts {
		if !ok(key, attrs) {
			bad++
		}
	}
	if bad > 0 {
		return []string{fmt.Sprintf("%d of %d data.%s.%s instances did not return the token's account", bad, n, typ, name)}
	}
	return nil
}

func (st *tfState) expectBatchSent(n int) []string {
	insts := st.instances("managed", "clevermaps_password_reset_requests", "all")
	if len(insts) != 1 {
		return []string{fmt.Sprintf("state holds %d batch resources, want 1", len(insts))}
	}
	for _, attrs := range insts {
		sent, _ := attrs["sent"].(map[string]any)
		if len(sent) != n {
			return []string{fmt.Sprintf("the batch resource's sent map has %d addresses, want %d", len(sent), n)}
		}
	}
	return nil
}

// expectDefaultConcurrency checks that the batch resource ran with its
// default concurrency (the attribute unset, so null in state), which a
// variant's physical limit assumes; TestDefaultBatchConcurrencyMatchesProvider
// checks that the harness's constant is the provider's default.
func (st *tfState) expectDefaultConcurrency() []string {
	for _, attrs := range st.instances("managed", "clevermaps_password_reset_requests", "all") {
		if c := attrs["concurrency"]; c != nil {
			return []string{fmt.Sprintf("the batch resource ran with concurrency %v, want the default (unset)", c)}
		}
	}
	return nil
}

// expectChunksSent checks that the chunked resources' sent maps together
// hold every address exactly once and no other, with no more resources than
// chunks.
func (st *tfState) expectChunksSent(emails []string) []string {
	insts := st.instances("managed", "clevermaps_password_reset_requests", "wave")
	if len(insts) == 0 || len(insts) > chunkCount {
		return []string{fmt.Sprintf("state holds %d chunk resources, want 1 to %d", len(insts), chunkCount)}
	}
	want := make(map[string]bool, len(emails))
	for _, e := range emails {
		want[e] = true
	}
	seen := make(map[string]int, len(emails))
	for _, attrs := range insts {
		sent, _ := attrs["sent"].(map[string]any)
		for e := range sent {
			seen[e]++
		}
	}
	var missing, twice, stray int
	for e, k := range seen {
		switch {
		case !want[e]:
			stray++
		case k > 1:
			twice++
		}
	}
	for e := range want {
		if seen[e] == 0 {
			missing++
		}
	}
	if missing+twice+stray > 0 {
		return []string{fmt.Sprintf("the chunks' sent maps: %d addresses missing, %d in more than one chunk, %d not in the list", missing, twice, stray)}
	}
	return nil
}
