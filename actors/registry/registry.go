// Package registry is the node's table of service instances: ids, aliases and owners, with the
// rules of Fluence's node for who may change what (fluencelabs/nox, particle-services/src/
// app_services.rs and error.rs, and the srv builtins' guard in particle-builtins/src/
// builtins.rs). It is a plain data structure, like the interpreter a pure core: the registry
// actor owns one and applies the srv builtins and the Go API to it.
package registry

import (
	"cmp"
	"fmt"
	"slices"
)

// Service is one registered service instance; T is what the node keeps to reach it (an actor
// PID in the node).
type Service[T any] struct {
	ID      string
	Owner   string   // the peer that created it
	Aliases []string // sorted
	Handle  T
	// App, if set, is the application whose perimeter the service is under: the node checks
	// every call to it against that perimeter (package perimeter) before it runs.
	App string
}

// Registry maps service ids and aliases to services. Host is this node's peer id, Management
// the node operator's; both may manage any service. The zero value is not usable: use New.
type Registry[T any] struct {
	host, management string
	reserved         map[string]bool
	services         map[string]*Service[T]
	aliases          map[string]string // alias -> service id
}

// New returns an empty registry for the node host, operated by management. Aliases equal to a
// reserved name (the builtin services' ids, which calls would reach first) are refused, as are
// "spell" and "self", which nox reserves.
func New[T any](host, management string, reserved ...string) *Registry[T] {
	r := &Registry[T]{host: host, management: management, reserved: map[string]bool{"spell": true, "self": true},
		services: map[string]*Service[T]{}, aliases: map[string]string{}}
	for _, name := range reserved {
		r.reserved[name] = true
	}
	return r
}

// Add registers a service with a new id.
func (r *Registry[T]) Add(id, owner string, handle T) error {
	if id == "" {
		return fmt.Errorf("a service id must not be empty")
	}
	if _, ok := r.services[id]; ok {
		return fmt.Errorf("Service with id '%s' already exists", id)
	}
	if r.reserved[id] {
		return fmt.Errorf("Cannot add service '%s' because the id is reserved", id)
	}
	if _, ok := r.aliases[id]; ok {
		return fmt.Errorf("Cannot add service '%s' because there is an alias with that name", id)
	}
	r.services[id] = &Service[T]{ID: id, Owner: owner, Handle: handle}
	return nil
}

// privileged reports whether peer may manage every service.
func (r *Registry[T]) privileged(peer string) bool { return peer == r.host || peer == r.management }

// AddAlias points alias at the service id, moving it from the service it named before. Only the
// host and the management peer may add aliases (nox: "only management peer id can add top-level
// aliases").
func (r *Registry[T]) AddAlias(caller, alias, id string) error {
	if !r.privileged(caller) {
		return fmt.Errorf("Forbidden. User id '%s' cannot call function 'add_alias': only management peer id can add top-level aliases", caller)
	}
	if _, ok := r.services[alias]; ok {
		return fmt.Errorf("Cannot add alias '%s' because there is a service with that id", alias)
	}
	if r.reserved[alias] || alias == "" {
		return fmt.Errorf("Cannot add alias '%s' because it is reserved", alias)
	}
	s, ok := r.services[id]
	if !ok {
		return r.noSuchService(id)
	}
	if prev, ok := r.aliases[alias]; ok {
		p := r.services[prev]
		p.Aliases = slices.DeleteFunc(p.Aliases, func(a string) bool { return a == alias })
	}
	r.aliases[alias] = id
	if i, found := slices.BinarySearch(s.Aliases, alias); !found {
		s.Aliases = slices.Insert(s.Aliases, i, alias)
	}
	return nil
}

func (r *Registry[T]) noSuchService(id string) error {
	return fmt.Errorf("Service with id '%s' not found", id)
}

// Resolve finds a service by id or alias (an id wins over nothing: ids and aliases never
// collide).
func (r *Registry[T]) Resolve(idOrAlias string) (*Service[T], bool) {
	if s, ok := r.services[idOrAlias]; ok {
		return s, true
	}
	if id, ok := r.aliases[idOrAlias]; ok {
		return r.services[id], true
	}
	return nil, false
}

// ResolveAlias returns the id an alias names.
func (r *Registry[T]) ResolveAlias(alias string) (string, error) {
	id, ok := r.aliases[alias]
	if !ok {
		return "", fmt.Errorf("Service with alias '%s' is not found", alias)
	}
	return id, nil
}

// Remove unregisters a service, by id or alias, with its aliases, and returns it. Its owner, the
// host and the management peer may remove it.
func (r *Registry[T]) Remove(caller, idOrAlias string) (*Service[T], error) {
	s, ok := r.Resolve(idOrAlias)
	if !ok {
		return nil, r.noSuchService(idOrAlias)
	}
	if caller != s.Owner && !r.privileged(caller) {
		return nil, fmt.Errorf("Forbidden. User id '%s' cannot call function 'remove_service': only creator can remove service", caller)
	}
	for _, a := range s.Aliases {
		delete(r.aliases, a)
	}
	delete(r.services, s.ID)
	return s, nil
}

// List returns the services sorted by id.
func (r *Registry[T]) List() []*Service[T] {
	out := make([]*Service[T], 0, len(r.services))
	for _, s := range r.services {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Service[T]) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
