// Command docschema prepares the provider schema file that tfplugindocs reads
// in `make generate`.
//
// Its input is the output of `tofu providers schema -json` for this provider.
// It files the provider under the key "clevermaps", where tfplugindocs looks
// for it (OpenTofu writes the full registry.opentofu.org address), and adds
// the action schemas, which no open-source CLI reports: OpenTofu 1.12 has no
// actions. They are read from the provider itself, in process, and written in
// the format of `terraform providers schema -json`.
//
// Usage: go run ./scripts/docschema -in tofu-schema.json -out schema.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/provider"
)

// providerName is the key tfplugindocs looks the provider up by.
const providerName = "clevermaps"

func main() {
	in := flag.String("in", "", "output of `tofu providers schema -json`")
	out := flag.String("out", "", "schema file to write for tfplugindocs --providers-schema")
	flag.Parse()
	if *in == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		log.Fatalf("docschema: %v", err)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc struct {
		FormatVersion   string                                `json:"format_version"`
		ProviderSchemas map[string]map[string]json.RawMessage `json:"provider_schemas"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("reading %s: %w", in, err)
	}

	var addresses []string
	for address := range doc.ProviderSchemas {
		if strings.HasSuffix(address, "/clevermaps/"+providerName) {
			addresses = append(addresses, address)
		}
	}
	if len(addresses) != 1 {
		return fmt.Errorf("%s: want exactly one clevermaps/clevermaps provider, found %q", in, addresses)
	}
	schema := doc.ProviderSchemas[addresses[0]]

	actions, err := actionSchemas(context.Background())
	if err != nil {
		return err
	}
	if len(actions) > 0 {
		encoded, err := json.Marshal(actions)
		if err != nil {
			return err
		}
		schema["action_schemas"] = encoded
	}

	// encoding/json writes map keys in sorted order, so the file (and the
	// docs rendered from it) is the same on every run.
	result, err := json.Marshal(map[string]any{
		"format_version":   doc.FormatVersion,
		"provider_schemas": map[string]any{providerName: schema},
	})
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(result, '\n'), 0o600)
}

// actionSchemas asks the provider for its schemas over the plugin protocol,
// in process, and converts the action schemas to the CLI's JSON format.
func actionSchemas(ctx context.Context) (map[string]jsonActionSchema, error) {
	server := providerserver.NewProtocol6(provider.New("docs")())()
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			problems = append(problems, d.Summary+": "+d.Detail)
		}
	}
	if len(problems) > 0 {
		return nil, errors.New("the provider reported errors for its schema: " + strings.Join(problems, "; "))
	}

	actions := make(map[string]jsonActionSchema, len(resp.ActionSchemas))
	for name, action := range resp.ActionSchemas {
		if action == nil || action.Schema == nil {
			continue
		}
		actions[name] = jsonActionSchema{Block: convertBlock(action.Schema.Block)}
	}
	return actions, nil
}

// The types below mirror the JSON that `terraform providers schema -json`
// writes (and that github.com/hashicorp/terraform-json reads).

type jsonActionSchema struct {
	Block *jsonBlock `json:"block,omitempty"`
}

type jsonBlock struct {
	Attributes      map[string]*jsonAttribute `json:"attributes,omitempty"`
	BlockTypes      map[string]*jsonBlockType `json:"block_types,omitempty"`
	Description     string                    `json:"description,omitempty"`
	DescriptionKind string                    `json:"description_kind,omitempty"`
	Deprecated      bool                      `json:"deprecated,omitempty"`
}

type jsonBlockType struct {
	NestingMode string     `json:"nesting_mode,omitempty"`
	Block       *jsonBlock `json:"block,omitempty"`
	MinItems    int64      `json:"min_items,omitempty"`
	MaxItems    int64      `json:"max_items,omitempty"`
}

type jsonAttribute struct {
	Type            json.RawMessage `json:"type,omitempty"`
	NestedType      *jsonNestedType `json:"nested_type,omitempty"`
	Description     string          `json:"description,omitempty"`
	DescriptionKind string          `json:"description_kind,omitempty"`
	Deprecated      bool            `json:"deprecated,omitempty"`
	Required        bool            `json:"required,omitempty"`
	Optional        bool            `json:"optional,omitempty"`
	Computed        bool            `json:"computed,omitempty"`
	Sensitive       bool            `json:"sensitive,omitempty"`
	WriteOnly       bool            `json:"write_only,omitempty"`
}

type jsonNestedType struct {
	Attributes  map[string]*jsonAttribute `json:"attributes,omitempty"`
	NestingMode string                    `json:"nesting_mode,omitempty"`
}

func convertBlock(b *tfprotov6.SchemaBlock) *jsonBlock {
	if b == nil {
		return &jsonBlock{}
	}
	out := &jsonBlock{
		Attributes:      convertAttributes(b.Attributes),
		Description:     b.Description,
		DescriptionKind: descriptionKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
	}
	if len(b.BlockTypes) > 0 {
		out.BlockTypes = make(map[string]*jsonBlockType, len(b.BlockTypes))
		for _, nested := range b.BlockTypes {
			out.BlockTypes[nested.TypeName] = &jsonBlockType{
				NestingMode: blockNestingMode(nested.Nesting),
				Block:       convertBlock(nested.Block),
				MinItems:    nested.MinItems,
				MaxItems:    nested.MaxItems,
			}
		}
	}
	return out
}

func convertAttributes(attributes []*tfprotov6.SchemaAttribute) map[string]*jsonAttribute {
	if len(attributes) == 0 {
		return nil
	}
	out := make(map[string]*jsonAttribute, len(attributes))
	for _, a := range attributes {
		attr := &jsonAttribute{
			Description:     a.Description,
			DescriptionKind: descriptionKind(a.DescriptionKind),
			Deprecated:      a.Deprecated,
			Required:        a.Required,
			Optional:        a.Optional,
			Computed:        a.Computed,
			Sensitive:       a.Sensitive,
			WriteOnly:       a.WriteOnly,
		}
		switch {
		case a.NestedType != nil:
			attr.NestedType = &jsonNestedType{
				Attributes:  convertAttributes(a.NestedType.Attributes),
				NestingMode: objectNestingMode(a.NestedType.Nesting),
			}
		case a.Type != nil:
			// tftypes writes the same type notation as the CLI's JSON
			// (cty's): "string", ["list","string"], ["object",{...}].
			attr.Type, _ = a.Type.MarshalJSON() //nolint:staticcheck // The deprecation asks providers not to depend on the format; matching the CLI is the point here.
		}
		out[a.Name] = attr
	}
	return out
}

func descriptionKind(kind tfprotov6.StringKind) string {
	if kind == tfprotov6.StringKindMarkdown {
		return "markdown"
	}
	return "plain"
}

func blockNestingMode(mode tfprotov6.SchemaNestedBlockNestingMode) string {
	switch mode {
	case tfprotov6.SchemaNestedBlockNestingModeSingle:
		return "single"
	case tfprotov6.SchemaNestedBlockNestingModeList:
		return "list"
	case tfprotov6.SchemaNestedBlockNestingModeSet:
		return "set"
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		return "map"
	case tfprotov6.SchemaNestedBlockNestingModeGroup:
		return "group"
	default:
		return ""
	}
}

func objectNestingMode(mode tfprotov6.SchemaObjectNestingMode) string {
	switch mode {
	case tfprotov6.SchemaObjectNestingModeSingle:
		return "single"
	case tfprotov6.SchemaObjectNestingModeList:
		return "list"
	case tfprotov6.SchemaObjectNestingModeSet:
		return "set"
	case tfprotov6.SchemaObjectNestingModeMap:
		return "map"
	default:
		return ""
	}
}
