package ledgersvc

import (
	"github.com/aquanet/aquanet/ledger"
)

// followRate bounds the followers' requests a validator serves, from all peers together, per
// second (and its burst): each reads up to maxFollowBytes of blocks. A follower asks once a
// second when it is up to date.
const followRate = 50

// serveFollow answers a follower's request with the records of the blocks it asked for that
// this validator keeps, and its committed height; over followRate, or malformed, it is dropped
// (the follower asks again, maybe another validator).
func (s *Service) serveFollow(from string, body []byte) {
	height, err := decodeFollow(body)
	if err != nil {
		s.cfg.Logger.Debug("a follow request that does not decode", "from", from, "error", err)
		return
	}
	if !s.follows.AllowN(s.cfg.Clock.Now(), 1) { // the node's clock, so the simulator replays it
		s.cfg.Logger.Debug("a follow request over the rate", "from", from)
		return
	}
	st, err := s.Status()
	if err != nil {
		return
	}
	var records [][]byte
	if height >= 1 && height <= st.Height {
		if records, err = ledger.ReadBlockRecords(s.db, height, maxFollowBlocks, maxFollowBytes); err != nil {
			s.cfg.Logger.Warn("reading blocks for a follower", "from", from, "error", err)
			return
		}
	}
	if err := s.cfg.Transport.SendLedger(from, encodeBlocks(blocksAnswer{top: st.Height, records: records})); err != nil {
		s.cfg.Logger.Debug("a blocks answer not sent", "to", from, "error", err)
	}
}
