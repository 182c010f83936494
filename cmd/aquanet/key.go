package main

import (
	"crypto/rand"
	"errors"
	"os"

	"github.com/aquanet/aquanet/internal/keyfile"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"
)

func newKeyCmd() *cobra.Command {
	key := &cobra.Command{
		Use:   "key",
		Short: "Create and inspect peer keys",
		Long: `A peer's identity is an ed25519 private key, stored in libp2p's own marshalling in a file
that only its owner can read (mode 0600). The peer id (12D3KooW...) is derived from it.`,
	}
	key.AddCommand(newKeyGenCmd(), newKeyShowCmd())
	return key
}

func newKeyGenCmd() *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "gen",
		Short: "Generate a new ed25519 key and print its peer id",
		Long: `Generate a new ed25519 key, write it to --out with mode 0600, and print its peer id.
An existing file is never replaced unless --force is given; then the replacement is atomic.
With --out - the key bytes go to standard output (not a terminal) and the peer id to stderr.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			key, err := keyfile.Generate(rand.Reader)
			if err != nil {
				return err
			}
			id, err := peer.IDFromPrivateKey(key)
			if err != nil {
				return err
			}
			if out == "-" {
				return writeKeyToStdout(c, key, id)
			}
			if err := keyfile.Write(out, key, force); err != nil {
				return err
			}
			fprintf(c.OutOrStdout(), "%s\n", id)
			fprintf(c.ErrOrStderr(), "wrote the key of %s to %s\n", id, out)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "aquanet.key", "file to write the key to (- for standard output)")
	c.Flags().BoolVarP(&force, "force", "f", false, "replace the file if it exists")
	return c
}

func writeKeyToStdout(c *cobra.Command, key crypto.PrivKey, id peer.ID) error {
	w := c.OutOrStdout()
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return errors.New("key gen --out -: standard output is a terminal; redirect it to a file")
		}
	}
	data, err := keyfile.Marshal(key)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	fprintf(c.ErrOrStderr(), "%s\n", id)
	return nil
}

func newKeyShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show FILE",
		Short: "Print the peer id of a key file (- reads standard input)",
		Args:  usageArgs(1, "one key FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			var key crypto.PrivKey
			var err error
			if args[0] == "-" {
				key, err = keyfile.Parse(c.InOrStdin())
				if err != nil {
					err = errors.New("standard input: " + err.Error())
				}
			} else {
				key, err = keyfile.Read(args[0])
			}
			if err != nil {
				return err
			}
			id, err := peer.IDFromPrivateKey(key)
			if err != nil {
				return err
			}
			fprintf(c.OutOrStdout(), "%s\n", id)
			return nil
		},
	}
}
