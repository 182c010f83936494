package ledger

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/aquanet/aquanet/trust"
)

// MaxRevocationSkew is how far (seconds) after a block's time a published revocation may be
// dated: the revoker's clock and the proposer's need not agree to the second.
const MaxRevocationSkew = 60

// execute applies tx, whose form and signature are checked, to o at time now. It checks
// everything before it writes anything: a Rejection leaves o as it was. Any other error is
// the store's.
func execute(o *overlay, tx Tx, now uint64) error {
	nonce, err := readU64(o, nonceKey(tx.Sender))
	if err != nil {
		return err
	}
	if tx.Nonce != nonce {
		return reject(ReasonBadNonce, "nonce %d of %s, want %d", tx.Nonce, tx.Sender, nonce)
	}
	switch b := tx.Body.(type) {
	case *Transfer:
		err = move(o, tx.Sender, b.To, b.Amount)
	case *SetPerimeter:
		err = setPerimeter(o, tx.Sender, b)
	case *RegisterName:
		err = registerName(o, tx.Sender, b)
	case *PublishRevocation:
		err = publishRevocation(o, b.Revocation, now)
	case *SetPrice:
		err = setPrice(o, tx.Sender, b)
	case *Pay:
		err = pay(o, tx.Sender, b)
	default:
		err = reject(ReasonUnknownKind, "a body of type %T", b)
	}
	if err != nil {
		return err
	}
	o.set(nonceKey(tx.Sender), u64(nonce+1))
	return nil
}

func readU64(o *overlay, key []byte) (uint64, error) { return (*State)(nil).getU64(o, key) }

// move moves amount from one account to another. A balance of 0 is no key: the state has one
// form per content, so its hash does too.
func move(o *overlay, from, to trust.PublicKey, amount uint64) error {
	fb, err := readU64(o, balanceKey(from))
	if err != nil {
		return err
	}
	if fb < amount {
		return reject(ReasonInsufficientFunds, "%s has %d, short of %d", from, fb, amount)
	}
	if from == to || amount == 0 {
		return nil
	}
	tb, err := readU64(o, balanceKey(to))
	if err != nil {
		return err
	}
	// Cannot happen while genesis balances fit in a u64 and value only moves; checked all the
	// same, as the one place where value is created.
	sum, carry := bits.Add64(tb, amount, 0)
	if carry != 0 {
		return reject(ReasonOverflow, "%s's balance %d plus %d", to, tb, amount)
	}
	setBalance(o, from, fb-amount)
	setBalance(o, to, sum)
	return nil
}

func setBalance(o *overlay, k trust.PublicKey, v uint64) {
	if v == 0 {
		o.del(balanceKey(k))
	} else {
		o.set(balanceKey(k), u64(v))
	}
}

func setPerimeter(o *overlay, sender trust.PublicKey, p *SetPerimeter) error {
	if sender != p.Developer {
		return reject(ReasonNotOwner, "the perimeter of %q names developer %s, sent by %s", p.AppID, p.Developer, sender)
	}
	old, ok, err := getPerimeter(o, p.AppID)
	if err != nil {
		return err
	}
	if ok && old.Developer != sender {
		return reject(ReasonNotOwner, "application %q belongs to %s, not %s", p.AppID, old.Developer, sender)
	}
	o.set(perimeterKey(p.AppID), appendPerimeter(nil, p))
	return nil
}

func getPerimeter(o interface {
	Get([]byte) ([]byte, bool, error)
}, app string) (SetPerimeter, bool, error) {
	v, ok, err := o.Get(perimeterKey(app))
	if err != nil || !ok {
		return SetPerimeter{}, false, err
	}
	d := decoder{b: v}
	p := d.perimeter()
	if d.err != nil || len(d.b) != 0 {
		return SetPerimeter{}, false, fmt.Errorf("ledger state: the perimeter of %q is corrupt: %v", app, d.err)
	}
	return *p, true, nil
}

// registerName keeps a name's record: owner (32) ‖ the target as register_name encodes it.
func registerName(o *overlay, sender trust.PublicKey, r *RegisterName) error {
	old, ok, err := getName(o, r.Name)
	if err != nil {
		return err
	}
	if ok && old.Owner != sender {
		return reject(ReasonNameTaken, "%q belongs to %s", r.Name, old.Owner)
	}
	o.set(nameKey(r.Name), appendTarget(append([]byte(nil), sender[:]...), r.Target))
	return nil
}

// NameRecord is a registered name: who owns it and what it points at.
type NameRecord struct {
	Owner  trust.PublicKey
	Target Target
}

func getName(o interface {
	Get([]byte) ([]byte, bool, error)
}, name string) (NameRecord, bool, error) {
	v, ok, err := o.Get(nameKey(name))
	if err != nil || !ok {
		return NameRecord{}, false, err
	}
	d := decoder{b: v}
	rec := NameRecord{Owner: d.key("owner"), Target: d.target("target")}
	if d.err != nil || len(d.b) != 0 {
		return NameRecord{}, false, fmt.Errorf("ledger state: the name %q is corrupt: %v", name, d.err)
	}
	return rec, true, nil
}

func publishRevocation(o *overlay, r trust.Revocation, now uint64) error {
	if err := r.Verify(now, MaxRevocationSkew); err != nil {
		return &Rejection{Reason: ReasonBadRevocation, Err: err}
	}
	key := revocationKey(r.Revoked, r.RevokedBy)
	old, ok, err := getRevocation(o, r.Revoked, r.RevokedBy)
	if err != nil {
		return err
	}
	// The latest revocation of a pair wins; an older one is applied (its nonce is spent) and
	// changes nothing.
	if !ok || r.RevokedAt > old.RevokedAt {
		o.set(key, r.Encode())
	}
	return nil
}

func getRevocation(o interface {
	Get([]byte) ([]byte, bool, error)
}, revoked, by trust.PublicKey) (trust.Revocation, bool, error) {
	v, ok, err := o.Get(revocationKey(revoked, by))
	if err != nil || !ok {
		return trust.Revocation{}, false, err
	}
	r, err := trust.DecodeRevocation(v)
	if err != nil {
		return trust.Revocation{}, false, fmt.Errorf("ledger state: a revocation is corrupt: %w", err)
	}
	return r, true, nil
}

// Price is a service's price per call and who is paid it.
type Price struct {
	Owner   trust.PublicKey
	PerCall uint64
}

func getPrice(o interface {
	Get([]byte) ([]byte, bool, error)
}, ref ServiceRef) (Price, bool, error) {
	v, ok, err := o.Get(priceKey(ref))
	if err != nil || !ok {
		return Price{}, false, err
	}
	if len(v) != 40 {
		return Price{}, false, fmt.Errorf("ledger state: the price of %s/%s is corrupt", ref.Peer, ref.Service)
	}
	return Price{Owner: trust.PublicKey(v[:32]), PerCall: binary.LittleEndian.Uint64(v[32:])}, true, nil
}

func setPrice(o *overlay, sender trust.PublicKey, p *SetPrice) error {
	old, ok, err := getPrice(o, p.ServiceRef)
	if err != nil {
		return err
	}
	if ok && old.Owner != sender {
		return reject(ReasonNotOwner, "the price of %s/%s belongs to %s", p.Peer, p.Service, old.Owner)
	}
	o.set(priceKey(p.ServiceRef), binary.LittleEndian.AppendUint64(append([]byte(nil), sender[:]...), p.Price))
	return nil
}

func pay(o *overlay, sender trust.PublicKey, p *Pay) error {
	price, ok, err := getPrice(o, p.ServiceRef)
	if err != nil {
		return err
	}
	if !ok {
		return reject(ReasonNoPrice, "%s/%s has no price", p.Peer, p.Service)
	}
	hi, total := bits.Mul64(price.PerCall, p.Calls)
	if hi != 0 {
		return reject(ReasonOverflow, "%d calls at %d", p.Calls, price.PerCall)
	}
	return move(o, sender, price.Owner, total)
}
