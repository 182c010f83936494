package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/internal/keyfile"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/trust"
)

func newTrustCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Issue and verify TrustGraph trusts and certificates, ask a node for weights",
		Long: `TrustGraph trusts, certificates and weights, in the formats of Fluence's trust-graph (its
text form: two header lines, then four lines per trust), so that certificates of Fluence's
tooling verify here and ours there.

A certificate starts with a root's trust in itself; each next trust is signed by the peer the
one before it is for. A node with that root among its roots ([trust_roots] in its config)
weighs the last peer 2^(M−h): M the root's max chain length, h the hops.`,
	}
	cmd.AddCommand(newTrustIssueCmd(), newTrustVerifyCmd(), newTrustWeightCmd())
	return cmd
}

// parseExpiry reads a lifetime: a Go duration ("720h") or a number of days ("30d").
func parseExpiry(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil || n == 0 {
			return 0, fmt.Errorf("--expires %q: want a number of days such as 30d, or a duration such as 720h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q: want a number of days such as 30d, or a duration such as 720h", s)
	}
	return d, nil
}

func readSigner(file string) (trust.Signer, error) {
	if file == "" {
		return nil, errors.New("needs --key FILE (a key of \"aquanet key gen\"): the issuer signs")
	}
	k, err := keyfile.Read(file)
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	s, err := trust.SignerOf(k)
	if err != nil {
		return nil, fmt.Errorf("--key %s: %w", file, err)
	}
	return s, nil
}

func newTrustIssueCmd() *cobra.Command {
	var forPeer, expires, keyFile, extend string
	var root bool
	cmd := &cobra.Command{
		Use:   "issue --for PEER --expires 30d --key FILE [--root | --extend CERT]",
		Short: "Sign a trust in a peer; print it, or a certificate with it",
		Long: `Signs the key's trust in PEER, valid from now for --expires, and prints it in Fluence's text
form (four lines). With --root, prints a certificate instead: the key's trust in itself (it is
the root) followed by the trust. With --extend CERT, prints CERT extended by the trust: the key
must be one the certificate's chain is issued for; the chain is cut after it.`,
		Args: usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if root && extend != "" {
				return errors.New("--root and --extend do not go together: a certificate starts from a root or extends another")
			}
			by, err := readSigner(keyFile)
			if err != nil {
				return err
			}
			if forPeer == "" {
				return errors.New("needs --for PEER: the peer to trust")
			}
			k, err := trust.ParsePeer(forPeer)
			if err != nil {
				return fmt.Errorf("--for: %w", err)
			}
			life, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			now := time.Now()
			issued, exp := uint64(now.Unix()), uint64(now.Add(life).Unix())
			out := c.OutOrStdout()
			switch {
			case root:
				fprintf(out, "%s", trust.IssueRoot(by, k, exp, issued))
			case extend != "":
				text, err := os.ReadFile(extend)
				if err != nil {
					return fmt.Errorf("--extend: %w", err)
				}
				cert, err := trust.ParseCertificate(string(text))
				if err != nil {
					return fmt.Errorf("--extend %s: %w", extend, err)
				}
				next, err := cert.Extend(by, k, exp, issued)
				if err != nil {
					return fmt.Errorf("--extend %s: %w", extend, err)
				}
				fprintf(out, "%s", next)
			default:
				fprintf(out, "%s\n", trust.IssueTrust(by, k, exp, issued))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&forPeer, "for", "", "the peer id to trust")
	f.StringVar(&expires, "expires", "30d", "how long the trust lasts: days (30d) or a duration (720h)")
	f.StringVar(&keyFile, "key", "", "the issuer's key (a file of \"aquanet key gen\")")
	f.BoolVar(&root, "root", false, "print a certificate rooted at the key: its trust in itself, then the trust")
	f.StringVar(&extend, "extend", "", "print this certificate file extended by the trust")
	return cmd
}

func newTrustVerifyCmd() *cobra.Command {
	var roots []string
	var issuer string
	cmd := &cobra.Command{
		Use:   "verify FILE [--root PEER]... | verify FILE --issuer PEER",
		Short: "Verify a certificate (or, with --issuer, a single trust) now",
		Long: `Verifies a certificate in Fluence's text form now: every signature, no trust expired, none
dated in the future. With --root (repeatable), its root must be one of them; without, the
certificate's own root is taken and the output says so. With --issuer, FILE is a single trust
(four lines) signed by that peer. Prints the chain; exits 1, saying why, if it does not verify.`,
		Args: usageArgs(1, "one file"),
		RunE: func(c *cobra.Command, args []string) error {
			text, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			now := uint64(time.Now().Unix())
			out := c.OutOrStdout()
			if issuer != "" {
				by, err := trust.ParsePeer(issuer)
				if err != nil {
					return fmt.Errorf("--issuer: %w", err)
				}
				t, err := trust.ParseTrust(string(text))
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				if err := t.Verify(by, now, trust.DefaultSkew); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fprintf(out, "valid: %s trusts %s until %s\n", by, t.IssuedFor, time.Unix(int64(t.ExpiresAt), 0).UTC().Format(time.RFC3339))
				return nil
			}
			cert, err := trust.ParseCertificate(string(text))
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			var trusted []trust.PublicKey
			for _, r := range roots {
				k, err := trust.ParsePeer(r)
				if err != nil {
					return fmt.Errorf("--root: %w", err)
				}
				trusted = append(trusted, k)
			}
			own := len(trusted) == 0
			if own {
				trusted = []trust.PublicKey{cert.Chain[0].IssuedFor}
			}
			if err := cert.Verify(trusted, now, trust.DefaultSkew); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			note := ""
			if own {
				note = " (its own root: pass --root to require yours)"
			}
			fprintf(out, "valid certificate%s\n", note)
			for i, t := range cert.Chain {
				what := "root"
				if i > 0 {
					what = fmt.Sprintf("hop %d", i)
				}
				fprintf(out, "  %-6s %s  until %s\n", what, t.IssuedFor, time.Unix(int64(t.ExpiresAt), 0).UTC().Format(time.RFC3339))
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&roots, "root", nil, "a trusted root's peer id (repeatable)")
	cmd.Flags().StringVar(&issuer, "issuer", "", "FILE is one trust, signed by this peer")
	return cmd
}

func newTrustWeightCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "weight PEER --relay MULTIADDR",
		Short: "Ask a node for a peer's TrustGraph weight",
		Args:  usageArgs(1, "one peer id"),
		RunE: func(c *cobra.Command, args []string) error {
			if _, err := trust.ParsePeer(args[0]); err != nil {
				return err
			}
			res, err := f.call(c, "trust-graph", "get_weight", value.String(args[0]), value.Uint(uint64(time.Now().Unix())))
			if err != nil {
				return err
			}
			if ok, _ := res.Get("success"); ok.String() != "true" {
				msg, _ := res.Get("error")
				s, _ := msg.Str()
				return fmt.Errorf("trust-graph.get_weight: %s", s)
			}
			w, _ := res.Get("weight")
			fprintf(c.OutOrStdout(), "%s\n", w)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
