package runner

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// newPCG returns the generator derived from parts by SHA-256: the same parts
// give the same stream on every machine and in every worker.
func newPCG(parts ...string) *rand.PCG {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	s := h.Sum(nil)
	return rand.NewPCG(binary.LittleEndian.Uint64(s[:8]), binary.LittleEndian.Uint64(s[8:16]))
}

// encoded is the JSON of vs, the part of a stream's prefix that names the
// settings it depends on.
func encoded(vs ...any) string {
	b, err := json.Marshal(vs)
	if err != nil {
		panic("runner: a setting does not encode: " + err.Error()) // only JSON-safe values reach a spec
	}
	return string(b)
}

// stream returns the random stream derived from parts.
func stream(parts ...string) *rand.Rand { return rand.New(newPCG(parts...)) }

// streams hands out a run's named random streams and remembers their
// generators, so that a checkpoint can save where each one stands.
type streams struct {
	prefix []string
	// own holds the prefixes of the streams derived from less than the
	// whole prefix (share).
	own map[string][]string
	pcg map[string]*rand.PCG
}

func newStreams(prefix ...string) *streams {
	return &streams{prefix: prefix, own: map[string][]string{}, pcg: map[string]*rand.PCG{}}
}

// share derives the stream of name from prefix instead of the streams'
// common prefix, so that runs which agree on prefix draw it alike.
func (s *streams) share(name string, prefix ...string) {
	s.own[name] = prefix
}

// get returns the stream of name; every call for one name shares one
// generator.
func (s *streams) get(name string) *rand.Rand {
	p, ok := s.pcg[name]
	if !ok {
		prefix, shared := s.own[name]
		if !shared {
			prefix = s.prefix
		}
		p = newPCG(append(append([]string(nil), prefix...), name)...)
		s.pcg[name] = p
	}
	return rand.New(p)
}

// state returns the position of every stream handed out.
func (s *streams) state() (map[string][]byte, error) {
	out := make(map[string][]byte, len(s.pcg))
	for name, p := range s.pcg {
		b, err := p.MarshalBinary()
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}

// restore moves every named stream to its saved position.
func (s *streams) restore(saved map[string][]byte) error {
	for name, b := range saved {
		s.get(name) // creates it when the rule has not asked for it yet
		if err := s.pcg[name].UnmarshalBinary(b); err != nil {
			return fmt.Errorf("stream %q: %v", name, err)
		}
	}
	return nil
}
