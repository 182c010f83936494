package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mr-tron/base58"
	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/kademlia"
	"github.com/aquanet/aquanet/ledger"
	"github.com/aquanet/aquanet/trust"
)

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Make a ledger's genesis, submit transactions to it and read it, through a validator",
		Long: `The ledger is what every peer must agree on (balances, names, security perimeters,
revocations, prices), replicated by its validators (nodes started with --ledger-genesis).
Transactions are signed here with --key and submitted through a validator (--relay); reads
are of what that validator committed, or, with --linearizable, of everything committed
before the read.`,
	}
	cmd.AddCommand(newLedgerGenesisCmd(), newLedgerSubmitCmd(), newLedgerGetCmd(), newLedgerStatusCmd())
	return cmd
}

func newLedgerGenesisCmd() *cobra.Command {
	var chainID string
	var validators, balances []string
	var at int64
	cmd := &cobra.Command{
		Use:   "genesis --chain-id ID --validator PEER... [--balance PEER=AMOUNT...]",
		Short: "Print a genesis file: the chain, its validators and the first balances",
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			g := map[string]any{"chain_id": chainID, "time": at, "balances": map[string]uint64{}}
			var vs []map[string]any
			for _, v := range validators {
				if _, err := trust.ParsePeer(v); err != nil {
					return fmt.Errorf("--validator %q: %w", v, err)
				}
				vs = append(vs, map[string]any{"key": v, "power": 1})
			}
			g["validators"] = vs
			for _, b := range balances {
				p, amount, ok := strings.Cut(b, "=")
				n, err := strconv.ParseUint(amount, 10, 64)
				if !ok || err != nil {
					return fmt.Errorf("--balance %q: want PEER=AMOUNT", b)
				}
				g["balances"].(map[string]uint64)[p] = n
			}
			out, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				return err
			}
			if _, err := ledger.ParseGenesis(out); err != nil {
				return err // say it here, not when the validators start
			}
			fprintf(c.OutOrStdout(), "%s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&chainID, "chain-id", "", "the chain's name (1 to 64 bytes): transactions are signed for it")
	cmd.Flags().StringArrayVar(&validators, "validator", nil, "a validator's peer id (repeatable, in order)")
	cmd.Flags().StringArrayVar(&balances, "balance", nil, "PEER=AMOUNT: a first balance (repeatable)")
	cmd.Flags().Int64Var(&at, "time", 0, "the chain's first time, in Unix seconds")
	return cmd
}

func newLedgerSubmitCmd() *cobra.Command {
	var f serviceFlags
	var b submitFlags
	cmd := &cobra.Command{
		Use:   "submit KIND [flags] --key FILE --relay MULTIADDR",
		Short: "Sign a transaction with --key and submit it through a validator; wait until it is applied",
		Long: `Signs a transaction with the sender's key (--key) and its next nonce, submits it through the
validator --relay names, and waits until it is applied or refused (with the reason). Kinds:

  transfer  --to PEER --amount N                     move N from the sender to PEER
  name      --name NAME --target PEER|key:KEY        point a global name at a peer or a DHT key
                                                     (the first registration makes the sender its owner)
  revoke    --peer PEER                              publish the sender's revocation of its trust in
                                                     PEER: every node's TrustGraph takes it once applied
  price     --peer PEER --service-id ID --price N    the price per call of a service (the first
                                                     setter owns it and is paid)
  pay       --peer PEER --service-id ID --calls N    pay a service's owner for N calls
  perimeter --app ID [--service PEER/ID=POLICY...] [--member PEER...]
                                                     an application's security perimeter, the sender
                                                     its developer; POLICY is public, owner or perimeter`,
		Args: usageArgs(1, "a kind of transaction: transfer, name, revoke, price, pay or perimeter"),
		RunE: func(c *cobra.Command, args []string) error {
			if f.keyFile == "" {
				return errors.New("needs --key FILE: the sender's key, which signs the transaction")
			}
			signer, err := readSigner(f.keyFile)
			if err != nil {
				return err
			}
			body, err := b.body(args[0], signer)
			if err != nil {
				return err
			}
			status, err := f.call(c, "ledger", "height", value.Bool(false))
			if err != nil {
				return err
			}
			if fl, _ := status.Get("follower"); fl.String() == "true" {
				return errors.New("the node at --relay follows the ledger and is no validator: submit through a validator (one of the genesis's)")
			}
			chain, _ := status.Get("chain_id")
			chainID, _ := chain.Str()
			acct, err := f.call(c, "ledger", "balance", value.String(signer.Public().String()), value.Bool(true))
			if err != nil {
				return err
			}
			nv, _ := acct.Get("nonce")
			nonce, _ := nv.Uint64()
			tx := ledger.SignTx(signer, chainID, ledger.Tx{Nonce: nonce, Body: body})
			enc, err := ledger.EncodeTx(tx)
			if err != nil {
				return err
			}
			res, err := f.call(c, "ledger", "submit", value.String(base58.Encode(enc)))
			if err != nil {
				return err
			}
			hash, _ := res.Get("hash")
			h, _ := hash.Str()
			if ok, _ := res.Get("applied"); ok.String() != "true" {
				reason, _ := res.Get("reason")
				msg, _ := res.Get("message")
				r, _ := reason.Str()
				m, _ := msg.Str()
				return fmt.Errorf("transaction %s refused (%s): %s", h, r, m)
			}
			height, _ := res.Get("height")
			fprintf(c.OutOrStdout(), "transaction %s applied at height %s\n", h, height)
			return nil
		},
	}
	f.add(cmd)
	b.add(cmd)
	return cmd
}

// submitFlags are the fields of the transactions "ledger submit" makes.
type submitFlags struct {
	to, name, target, peer, service, app string
	amount, price, calls                 uint64
	services, members                    []string
}

func (b *submitFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&b.to, "to", "", "transfer: the receiver's peer id")
	fl.Uint64Var(&b.amount, "amount", 0, "transfer: how much")
	fl.StringVar(&b.name, "name", "", "name: the name to register ([a-z0-9.-], at most 64 bytes)")
	fl.StringVar(&b.target, "target", "", "name: the peer id it names, or key:KEY (a DHT key, base58)")
	fl.StringVar(&b.peer, "peer", "", "revoke: the peer revoked; price, pay: the peer hosting the service")
	fl.StringVar(&b.service, "service-id", "", "price, pay: the service's id on --peer")
	fl.Uint64Var(&b.price, "price", 0, "price: the price of one call")
	fl.Uint64Var(&b.calls, "calls", 0, "pay: how many calls")
	fl.StringVar(&b.app, "app", "", "perimeter: the application's id")
	fl.StringArrayVar(&b.services, "service", nil, "perimeter: a service PEER/ID=POLICY (public, owner or perimeter); repeat for more")
	fl.StringArrayVar(&b.members, "member", nil, "perimeter: a peer of the perimeter; repeat for more")
}

// body is the transaction of kind the flags describe, sent by signer.
func (b *submitFlags) body(kind string, signer trust.Signer) (ledger.Body, error) {
	peer := func(flag, v string) (trust.PublicKey, error) {
		pk, err := trust.ParsePeer(v)
		if err != nil {
			return pk, fmt.Errorf("--%s %q: %w", flag, v, err)
		}
		return pk, nil
	}
	switch kind {
	case "transfer":
		pk, err := peer("to", b.to)
		return &ledger.Transfer{To: pk, Amount: b.amount}, err
	case "name":
		t := ledger.Target{Peer: b.target}
		if k, ok := strings.CutPrefix(b.target, "key:"); ok {
			key, err := kademlia.ParseKey(k)
			if err != nil {
				return nil, fmt.Errorf("--target %q: %w", b.target, err)
			}
			t = ledger.Target{IsKey: true, Key: key}
		}
		return &ledger.RegisterName{Name: b.name, Target: t}, nil
	case "revoke":
		pk, err := peer("peer", b.peer)
		if err != nil {
			return nil, err
		}
		return &ledger.PublishRevocation{Revocation: trust.IssueRevocation(signer, pk, uint64(time.Now().Unix()))}, nil
	case "price":
		return &ledger.SetPrice{ServiceRef: ledger.ServiceRef{Peer: b.peer, Service: b.service}, Price: b.price}, nil
	case "pay":
		return &ledger.Pay{ServiceRef: ledger.ServiceRef{Peer: b.peer, Service: b.service}, Calls: b.calls}, nil
	case "perimeter":
		p := &ledger.SetPerimeter{AppID: b.app, Developer: signer.Public(), Peers: b.members}
		for _, sv := range b.services {
			ref, policy, ok := strings.Cut(sv, "=")
			host, id, ok2 := strings.Cut(ref, "/")
			if !ok || !ok2 {
				return nil, fmt.Errorf("--service %q: want PEER/ID=POLICY", sv)
			}
			pol, err := parsePolicy(policy)
			if err != nil {
				return nil, fmt.Errorf("--service %q: %w", sv, err)
			}
			p.Services = append(p.Services, ledger.PerimeterService{ServiceRef: ledger.ServiceRef{Peer: host, Service: id}, Policy: pol})
		}
		return p, nil
	}
	return nil, fmt.Errorf("%q: want transfer, name, revoke, price, pay or perimeter", kind)
}

func parsePolicy(s string) (ledger.Policy, error) {
	for _, p := range []ledger.Policy{ledger.PolicyPublic, ledger.PolicyOwner, ledger.PolicyPerimeter} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("policy %q: want public, owner or perimeter", s)
}

func newLedgerGetCmd() *cobra.Command {
	var f serviceFlags
	var lin bool
	cmd := &cobra.Command{
		Use:   "get balance PEER | name NAME | perimeter APP --relay MULTIADDR [--linearizable]",
		Short: "Read an account, a name or a perimeter from a node's ledger (a validator's, or a follower's copy)",
		Args:  usageArgs(2, "what to read (balance, name or perimeter) and its key"),
		RunE: func(c *cobra.Command, args []string) error {
			switch args[0] {
			case "balance", "name", "perimeter":
			default:
				return fmt.Errorf("%q: want balance, name or perimeter", args[0])
			}
			res, err := f.call(c, "ledger", args[0], value.String(args[1]), value.Bool(lin))
			if err != nil {
				return err
			}
			fprintf(c.OutOrStdout(), "%s\n", res.String())
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&lin, "linearizable", false, "read everything committed before the read (the leader confirms it)")
	return cmd
}

func newLedgerStatusCmd() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "status --relay MULTIADDR",
		Short: "Print a node's view of the ledger: chain, height, app hash, leader (or that it follows)",
		Args:  usageArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := f.call(c, "ledger", "height", value.Bool(false))
			if err != nil {
				return err
			}
			get := func(k string) string {
				v, _ := res.Get(k)
				if s, ok := v.Str(); ok {
					return s
				}
				return v.String()
			}
			role := "leader " + get("leader")
			switch {
			case get("follower") == "true":
				role = "following (no validator)"
			case get("leader") == "":
				role = "leader none known"
			}
			fprintf(c.OutOrStdout(), "chain %s height %s app hash %s %s\n", get("chain_id"), get("height"), get("app_hash"), role)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
