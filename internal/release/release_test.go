package release

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

const (
	// version is the version the test stamps into its snapshot: plain, as
	// mirrors need, and matched by the constraint of configuration.
	version    = "0.1.0"
	constraint = "~> 0.1"
	name       = "terraform-provider-clevermaps"
	email      = "ada@example.com" // an account of standin.DefaultAccounts
	// commandTimeout bounds every command the test runs; a snapshot build
	// takes about half a minute on two cores.
	commandTimeout = 5 * time.Minute
)

// configuration is what a pipeline's root module declares: the provider from
// its registry address with a version constraint, and no dev_overrides.
const configuration = `terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "` + constraint + `"
    }
  }
}

variable "endpoint" {
  type = string
}

provider "clevermaps" {
  endpoint = var.endpoint
}

resource "clevermaps_password_reset_request" "welcome" {
  email = "` + email + `"
}
`

// cli is one of the two CLIs the provider is installed with.
type cli struct {
	name string // for the subtest
	path string
	// host is the registry host the CLI gives "clevermaps/clevermaps":
	// mirrors and lock files are keyed by it.
	host string
}

// TestAccReleaseInstall installs the provider the way README's "Install"
// tells a pipeline to, on OpenTofu and Terraform, with no dev_overrides:
// `make release-snapshot` with a throwaway signing key, `make mirror`, then
// per CLI `init` from the filesystem mirror with a version constraint, the
// lock file's hash, `providers lock`, a second `init` elsewhere with that
// lock file (accepting the zip and refusing a tampered one), the same files
// as a network mirror behind HTTPS, and an apply against the stand-in API
// whose requests carry the version stamped into the binary.
func TestAccReleaseInstall(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: run by `make testrelease` (part of `make test`), which sets TF_ACC and the tool paths")
	}
	tools := map[string]string{}
	for _, key := range []string{"RELEASE_TOFU", "RELEASE_TERRAFORM", "RELEASE_GORELEASER"} {
		tools[key] = os.Getenv(key)
		if tools[key] == "" {
			t.Skipf("%s is not set: run this test through `make testrelease`, which passes the pinned tools", key)
		}
	}
	makeCmd := os.Getenv("RELEASE_MAKE")
	if makeCmd == "" {
		makeCmd = "make"
	}
	for _, tool := range []string{makeCmd, "gpg", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to build and sign a release: %v", tool, err)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	platform := runtime.GOOS + "_" + runtime.GOARCH
	zipName := name + "_" + version + "_" + platform + ".zip"

	// A throwaway key in a keyring of its own, as a release job is given one.
	gnupg := filepath.Join(work, "gnupg")
	if err := os.Mkdir(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	gpgEnv := append(baseEnv(), "GNUPGHOME="+gnupg)
	t.Cleanup(func() {
		// gpg started an agent for this keyring; stop it (and only it).
		_, _ = run(t, work, gpgEnv, "gpgconf", "--kill", "gpg-agent")
	})
	mustRun(t, work, gpgEnv, "gpg", "--batch", "--passphrase", "", "--quick-gen-key",
		"Release Test <release-test@example.invalid>", "ed25519", "sign", "1d")
	fingerprint := keyFingerprint(t, mustRun(t, work, gpgEnv, "gpg", "--batch", "--with-colons", "--list-secret-keys"))

	// The snapshot, through the Makefile as a pipeline runs it, for this
	// machine's platform only.
	dist := filepath.Join(work, "dist")
	start := time.Now()
	mustRun(t, root, append(gpgEnv, "GPG_FINGERPRINT="+fingerprint), makeCmd, "--no-print-directory",
		"release-snapshot", "GORELEASER="+tools["RELEASE_GORELEASER"],
		"VERSION="+version, "PLATFORMS=host", "DIST="+dist)
	t.Logf("make release-snapshot: %s", time.Since(start).Round(time.Second))

	zips, _ := filepath.Glob(filepath.Join(dist, "*.zip"))
	if len(zips) != 1 || filepath.Base(zips[0]) != zipName {
		t.Fatalf("PLATFORMS=host built %v, want only %s", zips, zipName)
	}
	zipPath := zips[0]
	zipSum := sha256File(t, zipPath)
	checkSignedSums(t, work, gpgEnv, dist, fingerprint, zipName, zipSum)
	checkZipHoldsBinary(t, zipPath)

	mirror := filepath.Join(work, "mirror")
	mustRun(t, root, baseEnv(), makeCmd, "--no-print-directory", "mirror", "DIR="+mirror, "DIST="+dist)
	clis := []cli{
		{name: "OpenTofu", path: tools["RELEASE_TOFU"], host: "registry.opentofu.org"},
		{name: "Terraform", path: tools["RELEASE_TERRAFORM"], host: "registry.terraform.io"},
	}
	for _, c := range clis {
		checkMirrorLayout(t, mirror, c.host, zipPath, zipSum)
	}

	// h1: is what a lock file records for a package: a hash of the files
	// in the zip, computed here independently of the CLIs.
	h1, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}

	// A copy of the mirror whose zip holds a different binary: the bytes
	// differ and so do the files in it (h1 hashes the files, not the zip).
	tampered := filepath.Join(work, "tampered")
	for _, c := range clis {
		dir := filepath.Join(tampered, c.host, "clevermaps", "clevermaps")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		tamperZip(t, zipPath, filepath.Join(dir, zipName))
	}
	tamperedH1, err := dirhash.HashZip(filepath.Join(tampered, clis[0].host, "clevermaps", "clevermaps", zipName), dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	if tamperedH1 == h1 {
		t.Fatal("the tampered zip hashes like the original; the tamper check would prove nothing")
	}

	// The same mirror tree as a network mirror, behind HTTPS as the protocol
	// requires. The CLIs trust the test server's certificate through
	// SSL_CERT_FILE.
	// It is served under a path, as README's example is.
	server := httptest.NewTLSServer(http.StripPrefix("/terraform", http.FileServer(http.Dir(mirror))))
	t.Cleanup(server.Close)
	certFile := filepath.Join(work, "mirror-cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			installWith(t, c, installCase{
				mirror: mirror, tampered: tampered, networkMirrorURL: server.URL + "/terraform/", certFile: certFile,
				platform: platform, zipSum: zipSum, h1: h1, tamperedH1: tamperedH1,
			})
			t.Logf("%s: install, lock, tamper check, network mirror and apply took %s", c.name, time.Since(start).Round(time.Second))
		})
	}
}

type installCase struct {
	mirror, tampered, networkMirrorURL, certFile string
	platform, zipSum, h1, tamperedH1             string
}

func installWith(t *testing.T, c cli, ic installCase) {
	work := t.TempDir()
	address := c.host + "/clevermaps/clevermaps"
	fsConfig := writeCLIConfig(t, work, "filesystem.tfrc", "filesystem_mirror", "path", ic.mirror, c.host)
	tamperedConfig := writeCLIConfig(t, work, "tampered.tfrc", "filesystem_mirror", "path", ic.tampered, c.host)
	netConfig := writeCLIConfig(t, work, "network.tfrc", "network_mirror", "url", ic.networkMirrorURL, c.host)

	// 1. init from the filesystem mirror with a version constraint: the lock
	// file records the version, the constraint and the zip's h1: hash. A
	// filesystem mirror has no signed checksums, so there is no zh: hash.
	first := newRootModule(t, work, "first", "")
	out := mustRun(t, first, cliEnv(fsConfig), c.path, "init", "-input=false", "-no-color")
	if !strings.Contains(out, "Installed clevermaps/clevermaps v"+version) {
		t.Errorf("init did not report installing v%s:\n%s", version, out)
	}
	lock := readLock(t, filepath.Join(first, ".terraform.lock.hcl"), address)
	if lock.Version != version || lock.Constraints != constraint || !slices.Equal(lock.Hashes, []string{ic.h1}) {
		t.Errorf("lock file after init: version %q, constraints %q, hashes %q; want %q, %q, [%s]",
			lock.Version, lock.Constraints, lock.Hashes, version, constraint, ic.h1)
	}

	// 2. providers lock, as README tells a person to run it, records the same.
	mustRun(t, first, cliEnv(fsConfig), c.path, "providers", "lock", "-fs-mirror="+ic.mirror, "-platform="+ic.platform, "-no-color")
	if again := readLock(t, filepath.Join(first, ".terraform.lock.hcl"), address); !slices.Equal(again.Hashes, []string{ic.h1}) {
		t.Errorf("lock file after providers lock: hashes %q, want [%s]", again.Hashes, ic.h1)
	}
	lockFile, err := os.ReadFile(filepath.Join(first, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}

	// 3. A second working directory with that lock file, as a pipeline
	// checks it out: init installs the same zip and may not change the lock.
	second := newRootModule(t, work, "second", string(lockFile))
	mustRun(t, second, cliEnv(fsConfig), c.path, "init", "-input=false", "-no-color", "-lockfile=readonly")
	var selection struct {
		ProviderSelections map[string]string `json:"provider_selections"`
	}
	decodeJSON(t, mustRun(t, second, cliEnv(fsConfig), c.path, "version", "-json"), &selection)
	if got := selection.ProviderSelections[address]; got != version {
		t.Errorf("%s version -json selects %s %q, want %q", c.name, address, got, version)
	}

	// 4. The lock file refuses a zip whose files differ from what it pins.
	third := newRootModule(t, work, "tampered", string(lockFile))
	out, err = run(t, third, cliEnv(tamperedConfig), c.path, "init", "-input=false", "-no-color", "-lockfile=readonly")
	if err == nil {
		t.Fatalf("init accepted a tampered zip despite the lock file:\n%s", out)
	}
	// The CLIs wrap diagnostics; compare with the line breaks as spaces.
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "doesn't match any of the checksums previously recorded in the dependency lock file") {
		t.Errorf("init failed, but not on the lock file's checksum:\n%s", out)
	}
	if installed, _ := filepath.Glob(filepath.Join(third, ".terraform", "providers", address, "*", "*", name+"*")); len(installed) > 0 {
		t.Errorf("the tampered provider was installed anyway: %v", installed)
	}
	// Without the lock file the tampered zip installs (and is pinned by its
	// own h1:): what refused it above is the lock file, not a broken zip.
	control := newRootModule(t, work, "tampered-unlocked", "")
	mustRun(t, control, cliEnv(tamperedConfig), c.path, "init", "-input=false", "-no-color")
	if got := readLock(t, filepath.Join(control, ".terraform.lock.hcl"), address).Hashes; !slices.Equal(got, []string{ic.tamperedH1}) {
		t.Errorf("lock file of the tampered zip: hashes %q, want [%s]", got, ic.tamperedH1)
	}

	// 5. The same files behind HTTPS as a network mirror: the lock file from
	// the filesystem mirror accepts its zip, and a fresh init checks the
	// zip against the zh: hash of the mirror's index. OpenTofu records that
	// hash in the lock file too; Terraform 1.5.7 records only h1:.
	netLocked := newRootModule(t, work, "network-locked", string(lockFile))
	mustRun(t, netLocked, append(cliEnv(netConfig), "SSL_CERT_FILE="+ic.certFile), c.path,
		"init", "-input=false", "-no-color", "-lockfile=readonly")
	netFresh := newRootModule(t, work, "network", "")
	out = mustRun(t, netFresh, append(cliEnv(netConfig), "SSL_CERT_FILE="+ic.certFile), c.path, "init", "-input=false", "-no-color")
	if !strings.Contains(out, "(verified checksum)") {
		t.Errorf("init from the network mirror did not verify the zip against the index's checksum:\n%s", out)
	}
	want := []string{ic.h1}
	if c.host == "registry.opentofu.org" {
		want = append(want, "zh:"+ic.zipSum)
	}
	if got := readLock(t, filepath.Join(netFresh, ".terraform.lock.hcl"), address).Hashes; !slices.Equal(got, want) {
		t.Errorf("lock file from the network mirror: hashes %q, want %q", got, want)
	}

	// 6. apply in the second directory against the stand-in API: one mail,
	// and every request names the version stamped into the binary.
	api := standin.NewServer(standin.Config{
		Accounts: standin.DefaultAccounts(),
		WrapHandler: func(h http.Handler) http.Handler {
			return standintest.Handler(h, func(err error) { t.Errorf("stand-in answer outside the contract: %v", err) })
		},
	})
	endpoint, err := api.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	mustRun(t, second, cliEnv(fsConfig), c.path, "apply", "-input=false", "-no-color", "-auto-approve", "-var", "endpoint="+endpoint)
	if mails := api.MailsTo(email); len(mails) != 1 {
		t.Errorf("apply sent %d mails to %s, want 1", len(mails), email)
	}
	journal := api.Journal()
	if len(journal) == 0 {
		t.Fatal("the provider sent no request to the stand-in")
	}
	wantAgent := name + "/" + version + " "
	for _, r := range journal {
		if agent := r.Header.Get("User-Agent"); !strings.HasPrefix(agent, wantAgent) {
			t.Errorf("request %s %s has User-Agent %q, want the stamped version (%q...)", r.Method, r.Endpoint, agent, wantAgent)
		}
	}
}

// baseEnv is the test's environment without anything that would steer a
// CLI, make or gpg elsewhere: TF_* settings (a plugin cache, a data
// directory, a CLI configuration), the caller's make flags, and keyrings.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(key, "TF_"), strings.HasPrefix(key, "CHECKPOINT_"),
			key == "MAKEFLAGS", key == "MFLAGS", key == "MAKELEVEL",
			key == "GNUPGHOME", key == "GPG_FINGERPRINT", key == "SSL_CERT_FILE", key == "SSL_CERT_DIR":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func cliEnv(cliConfig string) []string {
	return append(baseEnv(), "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// writeCLIConfig writes a CLI configuration that installs the provider only
// from one mirror and nothing from anywhere else, as README's "Install" shows.
func writeCLIConfig(t *testing.T, dir, file, block, attribute, location, host string) string {
	t.Helper()
	config := `provider_installation {
  ` + block + ` {
    ` + attribute + ` = "` + location + `"
    include = ["` + host + `/clevermaps/*"]
  }
  direct {
    exclude = ["` + host + `/clevermaps/*"]
  }
}
`
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newRootModule writes the configuration, and the lock file when one is
// given, into a new directory under parent.
func newRootModule(t *testing.T, parent, dir, lockFile string) string {
	t.Helper()
	path := filepath.Join(parent, dir)
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "main.tf"), []byte(configuration), 0o600); err != nil {
		t.Fatal(err)
	}
	if lockFile != "" {
		if err := os.WriteFile(filepath.Join(path, ".terraform.lock.hcl"), []byte(lockFile), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

type lockedProvider struct {
	Address     string   `hcl:"address,label"`
	Version     string   `hcl:"version"`
	Constraints string   `hcl:"constraints,optional"`
	Hashes      []string `hcl:"hashes,optional"`
}

// readLock returns the lock file's entry for address.
func readLock(t *testing.T, path, address string) lockedProvider {
	t.Helper()
	file, diags := hclparse.NewParser().ParseHCLFile(path)
	if diags.HasErrors() {
		t.Fatalf("reading %s: %s", path, diags)
	}
	var lock struct {
		Providers []lockedProvider `hcl:"provider,block"`
	}
	if diags := gohcl.DecodeBody(file.Body, nil, &lock); diags.HasErrors() {
		t.Fatalf("decoding %s: %s", path, diags)
	}
	for _, p := range lock.Providers {
		if p.Address == address {
			return p
		}
	}
	t.Fatalf("%s has no entry for %s:\n%s", path, address, file.Bytes)
	return lockedProvider{}
}

// checkSignedSums checks that SHA256SUMS lists the zip with its SHA-256 and
// the registry manifest, that its detached signature verifies with the key
// the build was given, and that it would not verify a changed file.
func checkSignedSums(t *testing.T, work string, gpgEnv []string, dist, fingerprint, zipName, zipSum string) {
	t.Helper()
	sumsPath := filepath.Join(dist, name+"_"+version+"_SHA256SUMS")
	sums, err := os.ReadFile(sumsPath)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	scanner := bufio.NewScanner(bytes.NewReader(sums))
	for scanner.Scan() {
		sum, file, ok := strings.Cut(scanner.Text(), "  ")
		if !ok {
			t.Fatalf("malformed line in SHA256SUMS: %q", scanner.Text())
		}
		listed[file] = sum
	}
	manifest := name + "_" + version + "_manifest.json"
	if len(listed) != 2 || listed[zipName] != zipSum || listed[manifest] == "" {
		t.Errorf("SHA256SUMS lists %v; want exactly %s (sha256 %s) and %s", listed, zipName, zipSum, manifest)
	}

	status := mustRun(t, work, gpgEnv, "gpg", "--batch", "--status-fd", "1", "--verify", sumsPath+".sig", sumsPath)
	if !strings.Contains(status, "[GNUPG:] VALIDSIG "+fingerprint) {
		t.Errorf("the signature of SHA256SUMS is not a valid one by %s:\n%s", fingerprint, status)
	}
	changed := filepath.Join(work, "changed_SHA256SUMS")
	if err := os.WriteFile(changed, append(bytes.Clone(sums), "0000  extra.zip\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, work, gpgEnv, "gpg", "--batch", "--verify", sumsPath+".sig", changed); err == nil {
		t.Errorf("the signature also verifies a changed SHA256SUMS:\n%s", out)
	}
}

// checkZipHoldsBinary checks that the zip holds the binary under the name
// the CLIs run, terraform-provider-clevermaps_v<version>.
func checkZipHoldsBinary(t *testing.T, zipPath string) {
	t.Helper()
	r, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := name + "_v" + version
	for _, f := range r.File {
		if f.Name == want {
			if f.Mode()&0o100 == 0 {
				t.Errorf("%s in the zip is not executable (mode %v)", want, f.Mode())
			}
			return
		}
	}
	t.Errorf("the zip has no %s", want)
}

// checkMirrorLayout checks what `make mirror` laid out for one registry host:
// the zip, byte for byte, and the network mirror's index files.
func checkMirrorLayout(t *testing.T, mirror, host, zipPath, zipSum string) {
	t.Helper()
	dir := filepath.Join(mirror, host, "clevermaps", "clevermaps")
	zipName := filepath.Base(zipPath)
	if got := sha256File(t, filepath.Join(dir, zipName)); got != zipSum {
		t.Errorf("%s/%s has sha256 %s, want the release's %s", host, zipName, got, zipSum)
	}
	var index struct {
		Versions map[string]struct{} `json:"versions"`
	}
	decodeJSON(t, readFile(t, filepath.Join(dir, "index.json")), &index)
	if _, ok := index.Versions[version]; !ok || len(index.Versions) != 1 {
		t.Errorf("%s/index.json lists %v, want %s", host, index.Versions, version)
	}
	var archives struct {
		Archives map[string]struct {
			URL    string   `json:"url"`
			Hashes []string `json:"hashes"`
		} `json:"archives"`
	}
	decodeJSON(t, readFile(t, filepath.Join(dir, version+".json")), &archives)
	platform := runtime.GOOS + "_" + runtime.GOARCH
	got, ok := archives.Archives[platform]
	if !ok || len(archives.Archives) != 1 || got.URL != zipName || !slices.Equal(got.Hashes, []string{"zh:" + zipSum}) {
		t.Errorf("%s/%s.json is %+v, want only %s with url %s and hash zh:%s", host, version, archives.Archives, platform, zipName, zipSum)
	}
}

// tamperZip writes a copy of the zip at from to to with one byte more in
// the provider binary.
func tamperZip(t *testing.T, from, to string) {
	t.Helper()
	r, err := zip.OpenReader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(out)
	for _, f := range r.File {
		header := &zip.FileHeader{Name: f.Name, Method: f.Method, Modified: f.Modified}
		header.SetMode(f.Mode())
		dst, err := w.CreateHeader(header)
		if err != nil {
			t.Fatal(err)
		}
		src, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		_ = src.Close()
		if strings.HasPrefix(f.Name, name+"_v") {
			if _, err := dst.Write([]byte{0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func keyFingerprint(t *testing.T, listing string) string {
	t.Helper()
	for line := range strings.SplitSeq(listing, "\n") {
		fields := strings.Split(line, ":")
		if fields[0] == "fpr" && len(fields) > 9 {
			return fields[9]
		}
	}
	t.Fatalf("no fingerprint in gpg's key listing:\n%s", listing)
	return ""
}

// run runs a command in dir with exactly env and no standard input, and
// returns its combined output.
func run(t *testing.T, dir string, env []string, command string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, command, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRun(t *testing.T, dir string, env []string, command string, args ...string) string {
	t.Helper()
	out, err := run(t, dir, env, command, args...)
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", filepath.Base(command), strings.Join(args, " "), dir, err, out)
	}
	return out
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(readFile(t, path)))
	return hex.EncodeToString(sum[:])
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func decodeJSON(t *testing.T, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("decoding %q: %v", data, err)
	}
}
