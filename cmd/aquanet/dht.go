package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mr-tron/base58"
	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/trust"
)

func newDHTCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dht",
		Short: "Make DHT challenges and solutions, provide keys and find their providers",
		Long: `The DHT's keys are attributes ("relays for browsers", "members of chat room 7"): a key is the
SHA-256 of a challenge, and a provider of the key must solve it. Challenges are open (anyone,
into each list's small reserve), signed (the owner signs each provider) or owned (a certificate
from the owner reaches the provider in at most --max-path hops). Every peer that stores a
record checks its solution; providers are listed by the storing peers' trust in them.`,
	}
	cmd.AddCommand(newDHTChallengeCmd(), newDHTSolutionCmd(), newDHTProvideCmd(), newDHTRemoveCmd(), newDHTProvidersCmd())
	return cmd
}

func newDHTChallengeCmd() *cobra.Command {
	var owner, nonce string
	var maxPath uint8
	cmd := &cobra.Command{
		Use:   "challenge open|signed|owned --nonce TEXT [--owner PEER] [--max-path N]",
		Short: "Print a challenge (base58) and its DHT key",
		Args:  usageArgs(1, "the kind: open, signed or owned"),
		RunE: func(c *cobra.Command, args []string) error {
			kind, err := kademlia.ParseKind(args[0])
			if err != nil {
				return err
			}
			if len(nonce) > kademlia.MaxNonce {
				return fmt.Errorf("--nonce: %d bytes, at most %d", len(nonce), kademlia.MaxNonce)
			}
			var ch kademlia.Challenge
			switch kind {
			case kademlia.KindOpen:
				if nonce == "" {
					return errors.New("an open challenge needs --nonce naming its attribute")
				}
				ch = kademlia.OpenChallenge([]byte(nonce))
			default:
				if owner == "" {
					return fmt.Errorf("a %s challenge needs --owner PEER", kind)
				}
				k, err := trust.ParsePeer(owner)
				if err != nil {
					return fmt.Errorf("--owner: %w", err)
				}
				ch = kademlia.SignedChallenge(k, []byte(nonce))
				if kind == kademlia.KindOwned {
					ch = kademlia.OwnedChallenge(k, maxPath, []byte(nonce))
				}
			}
			b := ch.Encode()
			if _, err := kademlia.DecodeChallenge(b); err != nil { // the bounds, with their words
				return err
			}
			fprintf(c.OutOrStdout(), "challenge %s\nkey %s\n", base58.Encode(b), ch.Key())
			return nil
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "the owner's peer id (signed, owned)")
	cmd.Flags().StringVar(&nonce, "nonce", "", "what tells this challenge from the owner's others (at most 64 bytes)")
	cmd.Flags().Uint8Var(&maxPath, "max-path", 2, "owned: the most hops from the owner to a provider (1–16)")
	return cmd
}

func newDHTSolutionCmd() *cobra.Command {
	var challenge, keyFile, forPeer, certFile string
	cmd := &cobra.Command{
		Use:   "solution --challenge B58 (--key FILE --for PEER | --cert FILE)",
		Short: "Print a provider's solution of a challenge (base58)",
		Long: `A signed challenge's solution is the owner's signature of the key and the provider: --key is
the owner's key file, --for the provider. An owned challenge's is a certificate from the owner
to the provider (of "aquanet trust issue"): --cert. An open challenge takes none.`,
		Args: usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ch, err := challengeFlag(challenge)
			if err != nil {
				return err
			}
			var sol []byte
			switch ch.Kind {
			case kademlia.KindOpen:
				return errors.New("an open challenge takes no solution: pass an empty one")
			case kademlia.KindSigned:
				owner, err := readSigner(keyFile)
				if err != nil {
					return err
				}
				if owner.Public() != ch.Owner {
					return fmt.Errorf("--key is %s's, the challenge is %s's", owner.Public(), ch.Owner)
				}
				p, err := trust.ParsePeer(forPeer)
				if err != nil {
					return fmt.Errorf("--for: %w", err)
				}
				sol = kademlia.SignProvider(owner, ch.Key(), p)
			case kademlia.KindOwned:
				if certFile == "" {
					return errors.New("an owned challenge's solution is a certificate: needs --cert FILE")
				}
				text, err := os.ReadFile(certFile)
				if err != nil {
					return fmt.Errorf("--cert: %w", err)
				}
				cert, err := trust.ParseCertificate(string(text))
				if err != nil {
					return fmt.Errorf("--cert %s: %w", certFile, err)
				}
				sol = cert.Encode()
			}
			fprintf(c.OutOrStdout(), "%s\n", base58.Encode(sol))
			return nil
		},
	}
	cmd.Flags().StringVar(&challenge, "challenge", "", "the challenge, as \"aquanet dht challenge\" prints it")
	cmd.Flags().StringVar(&keyFile, "key", "", "signed: the owner's key file")
	cmd.Flags().StringVar(&forPeer, "for", "", "signed: the provider's peer id")
	cmd.Flags().StringVar(&certFile, "cert", "", "owned: a certificate file from the owner to the provider")
	return cmd
}

func challengeFlag(s string) (kademlia.Challenge, error) {
	if s == "" {
		return kademlia.Challenge{}, errors.New("needs --challenge (as \"aquanet dht challenge\" prints it)")
	}
	if len(s) > 2*kademlia.MaxChallengeLen {
		return kademlia.Challenge{}, fmt.Errorf("--challenge: %d characters, too long for a challenge", len(s))
	}
	b, err := base58.Decode(s)
	if err != nil {
		return kademlia.Challenge{}, fmt.Errorf("--challenge: not base58: %v", err)
	}
	return kademlia.DecodeChallenge(b)
}

func newDHTProvideCmd() *cobra.Command {
	var f serviceFlags
	var challenge, solution string
	var life time.Duration
	var asNode bool
	cmd := &cobra.Command{
		Use:   "provide --challenge B58 [--solution B58] --relay MULTIADDR --key FILE [--node] [--for 1h]",
		Short: "Register as a provider of a challenge's key, through a node",
		Long: `The key's peer provides: the record is signed here and the node stores it at the peers closest
to the key. With --node, the node itself provides (it signs the record, and republishes it
until it is told otherwise): only its management peer may ask, --key being that peer's key.`,
		Args: usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ch, err := challengeFlag(challenge)
			if err != nil {
				return err
			}
			sol, err := base58.Decode(solution)
			if solution != "" && err != nil {
				return fmt.Errorf("--solution: not base58: %v", err)
			}
			ttl := uint64(life / time.Second)
			var res value.Value
			if f.keyFile == "" {
				return errors.New("needs --key FILE: the provider's key (or, with --node, the node's management key)")
			}
			if !asNode {
				provider, err := readSigner(f.keyFile)
				if err != nil {
					return err
				}
				now := uint64(time.Now().Unix())
				r := kademlia.SignRecord(provider, kademlia.Record{Key: ch.Key(), IssuedAt: now, ExpiresAt: now + ttl,
					Challenge: ch, Solution: sol})
				if err := r.Verify(now, 0, ttl); err != nil {
					return err // say it here rather than hear it from every storing peer
				}
				res, err = f.call(c, "dht", "put_record", value.String(base58.Encode(r.Encode())))
				if err != nil {
					return err
				}
			} else if res, err = f.call(c, "dht", "add_provider", value.String(challenge), value.String(solution), value.Uint(ttl)); err != nil {
				return err
			}
			return printStored(c, res, "key "+ch.Key().String()+":")
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&challenge, "challenge", "", "the challenge, as \"aquanet dht challenge\" prints it")
	cmd.Flags().StringVar(&solution, "solution", "", "its solution, as \"aquanet dht solution\" prints it (none for open)")
	cmd.Flags().DurationVar(&life, "for", time.Hour, "how long the record lives (at most a day)")
	cmd.Flags().BoolVar(&asNode, "node", false, "the node provides, not the key's peer (--key: the node's management key)")
	return cmd
}

func newDHTRemoveCmd() *cobra.Command {
	var f serviceFlags
	var asNode bool
	cmd := &cobra.Command{
		Use:   "remove KEY --relay MULTIADDR --key FILE [--node]",
		Short: "Stop providing a key, through a node",
		Long: `The key's peer stops providing KEY: its removal is signed here and the node stores it at the
peers closest to the key, where it outdates the peer's record for good (a stale copy of the
record is refused from then on). With --node, the node itself stops providing the key (and
republishing it): only its management peer may ask, --key being that peer's key.`,
		Args: usageArgs(1, "a DHT key (base58)"),
		RunE: func(c *cobra.Command, args []string) error {
			key, err := kademlia.ParseKey(args[0])
			if err != nil {
				return err
			}
			if f.keyFile == "" {
				return errors.New("needs --key FILE: the provider's key (or, with --node, the node's management key)")
			}
			var res value.Value
			if asNode {
				res, err = f.call(c, "dht", "remove_provider", value.String(args[0]))
			} else {
				provider, readErr := readSigner(f.keyFile)
				if readErr != nil {
					return readErr
				}
				removal := kademlia.SignRemoval(provider, key, uint64(time.Now().Unix()))
				res, err = f.call(c, "dht", "remove_record", value.String(base58.Encode(removal.Encode())))
			}
			if err != nil {
				return err
			}
			return printStored(c, res, "key "+args[0]+": removal")
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&asNode, "node", false, "the node stops providing, not the key's peer (--key: the node's management key)")
	return cmd
}

// printStored prints what a dht.put_record, add_provider or remove_* answered: how many peers
// kept it, or why none did (an error), and a warning if something went wrong on the way.
func printStored(c *cobra.Command, res value.Value, what string) error {
	stored, _ := res.Get("stored")
	peers, _ := res.Get("peers")
	if ok, _ := res.Get("success"); ok.String() != "true" {
		msg, _ := res.Get("error")
		s, _ := msg.Str()
		refused, _ := res.Get("refused")
		if _, outdated := refused.Get("outdated"); outdated && s == "" {
			s = "the peers keep a newer record of this provider, or its removal (both are dated to the second: a record issued in the second of a removal is outdated by it)"
		}
		return fmt.Errorf("not stored (%s of %s peers kept it; refused: %s): %s", stored, peers, refused, s)
	}
	fprintf(c.OutOrStdout(), "%s kept by %s of %s peers\n", what, stored, peers)
	if msg, _ := res.Get("error"); msg.String() != `""` {
		s, _ := msg.Str()
		fprintf(c.ErrOrStderr(), "aquanet: warning: %s\n", s)
	}
	return nil
}

func newDHTProvidersCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "providers KEY --relay MULTIADDR",
		Short: "List a key's providers, as a node finds them (its most trusted first)",
		Args:  usageArgs(1, "a DHT key (base58)"),
		RunE: func(c *cobra.Command, args []string) error {
			if _, err := kademlia.ParseKey(args[0]); err != nil {
				return err
			}
			res, err := f.call(c, "dht", "get_providers", value.String(args[0]))
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if res.Len() == 0 {
				fprintf(out, "no providers\n")
			}
			for i := range res.Len() {
				p := res.Index(i)
				id, _ := p.Get("peer_id")
				w, _ := p.Get("weight")
				kind, _ := p.Get("challenge")
				exp, _ := p.Get("expires_at")
				addrs, _ := p.Get("addresses")
				var as []string
				for j := range addrs.Len() {
					s, _ := addrs.Index(j).Str()
					as = append(as, s)
				}
				s, _ := id.Str()
				k, _ := kind.Str()
				e, _ := exp.Uint64()
				fprintf(out, "%s weight %s %s until %s %s\n", s, w, k, time.Unix(int64(e), 0).UTC().Format(time.RFC3339), strings.Join(as, " "))
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
