package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mr-tron/base58"
	"github.com/spf13/cobra"

	"github.com/aquanet/aquanet/interpreter/value"
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
	var to, name, target string
	var amount uint64
	cmd := &cobra.Command{
		Use:   "submit transfer --to PEER --amount N | name --name NAME --target PEER --key FILE --relay MULTIADDR",
		Short: "Sign a transaction with --key and submit it through a validator; wait until it is applied",
		Args:  usageArgs(1, "a kind of transaction: transfer or name"),
		RunE: func(c *cobra.Command, args []string) error {
			if f.keyFile == "" {
				return errors.New("needs --key FILE: the sender's key, which signs the transaction")
			}
			signer, err := readSigner(f.keyFile)
			if err != nil {
				return err
			}
			var body ledger.Body
			switch args[0] {
			case "transfer":
				pk, err := trust.ParsePeer(to)
				if err != nil {
					return fmt.Errorf("--to %q: %w", to, err)
				}
				body = &ledger.Transfer{To: pk, Amount: amount}
			case "name":
				body = &ledger.RegisterName{Name: name, Target: ledger.Target{Peer: target}}
			default:
				return fmt.Errorf("%q: want transfer or name", args[0])
			}
			status, err := f.call(c, "ledger", "height", value.Bool(false))
			if err != nil {
				return err
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
	cmd.Flags().StringVar(&to, "to", "", "transfer: the receiver's peer id")
	cmd.Flags().Uint64Var(&amount, "amount", 0, "transfer: how much")
	cmd.Flags().StringVar(&name, "name", "", "name: the name to register ([a-z0-9.-], at most 64 bytes)")
	cmd.Flags().StringVar(&target, "target", "", "name: the peer id it names")
	return cmd
}

func newLedgerGetCmd() *cobra.Command {
	var f serviceFlags
	var lin bool
	cmd := &cobra.Command{
		Use:   "get balance PEER | name NAME | perimeter APP --relay MULTIADDR [--linearizable]",
		Short: "Read an account, a name or a perimeter from a validator",
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
		Short: "Print a validator's view of the ledger: chain, height, app hash, leader",
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
			leader := get("leader")
			if leader == "" {
				leader = "none known"
			}
			fprintf(c.OutOrStdout(), "chain %s height %s app hash %s leader %s\n", get("chain_id"), get("height"), get("app_hash"), leader)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
