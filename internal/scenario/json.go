package scenario

import (
	"bytes"
	"encoding/json"
)

// JSON returns the scenario in its JSON form, with defaults filled in and "{{peer:NAME}}"
// templates replaced: a valid scenario file itself, and the input of the oracle's RunScenario.
// A scenario of an Aqua function has its script once it is resolved, and its aqua field until
// then.
func (s *Scenario) JSON() ([]byte, error) {
	type jsonService struct {
		Peer     string          `json:"peer"`
		Service  string          `json:"service"`
		Function string          `json:"function"`
		Result   json.RawMessage `json:"result,omitempty"`
		Error    json.RawMessage `json:"error,omitempty"`
		Results  json.RawMessage `json:"results,omitempty"`
		RetCode  int32           `json:"ret_code,omitempty"`
	}
	type jsonScenario struct {
		Name     string                     `json:"name,omitempty"`
		Peers    []string                   `json:"peers"`
		Init     string                     `json:"init"`
		Particle Particle                   `json:"particle"`
		Script   *string                    `json:"script,omitempty"`
		Aqua     *AquaFunc                  `json:"aqua,omitempty"`
		Args     map[string]json.RawMessage `json:"args"`
		Services []jsonService              `json:"services"`
		MaxSteps int                        `json:"max_steps"`
		Racy     bool                       `json:"racy,omitempty"`
		Expect   *Expect                    `json:"expect,omitempty"`
	}
	out := jsonScenario{Name: s.Name, Peers: s.Peers, Init: s.Init, Particle: s.Particle, Script: &s.Script,
		Args: s.Args, Services: []jsonService{}, MaxSteps: s.MaxSteps, Racy: s.Racy, Expect: s.Expect}
	if s.Script == "" && s.Aqua != nil {
		out.Script, out.Aqua = nil, s.Aqua
	}
	if out.Args == nil {
		out.Args = map[string]json.RawMessage{}
	}
	for _, r := range s.Services {
		js := jsonService{Peer: r.Peer, Service: r.Service, Function: r.Function}
		switch r.Kind {
		case RuleResult:
			js.Result = r.Value
		case RuleError:
			js.Error, js.RetCode = r.Value, r.RetCode
		case RuleResults:
			js.Results = json.RawMessage{'['}
			for i, v := range r.Results {
				if i > 0 {
					js.Results = append(js.Results, ',')
				}
				js.Results = append(js.Results, v...)
			}
			js.Results = append(js.Results, ']')
		}
		out.Services = append(out.Services, js)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
