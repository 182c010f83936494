package registry

import (
	"strings"
	"testing"
)

const (
	host  = "12D3Host"
	admin = "12D3Admin"
	alice = "12D3Alice"
	bob   = "12D3Bob"
)

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustFail(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

func ids(list []*Service[int]) string {
	var b []string
	for _, s := range list {
		b = append(b, s.ID+"["+strings.Join(s.Aliases, ",")+"]")
	}
	return strings.Join(b, " ")
}

func TestAddResolveList(t *testing.T) {
	r := New[int](host, admin, "op", "srv")
	mustOK(t, r.Add("s2", alice, 2))
	mustOK(t, r.Add("s1", bob, 1))
	mustFail(t, r.Add("s1", alice, 3), "Service with id 's1' already exists")
	mustFail(t, r.Add("op", alice, 3), "reserved")
	mustFail(t, r.Add("", alice, 3), "empty")
	if got := ids(r.List()); got != "s1[] s2[]" {
		t.Fatalf("List = %s", got)
	}
	if s, ok := r.Resolve("s2"); !ok || s.Handle != 2 || s.Owner != alice {
		t.Fatalf("Resolve(s2) = %+v, %v", s, ok)
	}
	if _, ok := r.Resolve("nope"); ok {
		t.Fatal("Resolve found nope")
	}
}

func TestAliases(t *testing.T) {
	r := New[int](host, admin, "op")
	mustOK(t, r.Add("s1", alice, 1))
	mustOK(t, r.Add("s2", alice, 2))
	mustFail(t, r.AddAlias(alice, "chat", "s1"), "Forbidden. User id '12D3Alice' cannot call function 'add_alias'")
	mustOK(t, r.AddAlias(admin, "chat", "s1"))
	mustOK(t, r.AddAlias(host, "history", "s1"))
	mustFail(t, r.AddAlias(host, "s2", "s1"), "Cannot add alias 's2' because there is a service with that id")
	mustFail(t, r.AddAlias(host, "op", "s1"), "Cannot add alias 'op' because it is reserved")
	mustFail(t, r.AddAlias(host, "self", "s1"), "Cannot add alias 'self' because it is reserved")
	mustFail(t, r.AddAlias(host, "x", "s9"), "Service with id 's9' not found")
	mustFail(t, r.Add("chat", alice, 3), "there is an alias with that name")
	if got := ids(r.List()); got != "s1[chat,history] s2[]" {
		t.Fatalf("List = %s", got)
	}
	// Re-pointing an alias moves it.
	mustOK(t, r.AddAlias(admin, "chat", "s2"))
	if got := ids(r.List()); got != "s1[history] s2[chat]" {
		t.Fatalf("after moving chat: %s", got)
	}
	if id, err := r.ResolveAlias("chat"); err != nil || id != "s2" {
		t.Fatalf("ResolveAlias(chat) = %q, %v", id, err)
	}
	if s, ok := r.Resolve("chat"); !ok || s.Handle != 2 {
		t.Fatalf("Resolve(chat) = %+v, %v", s, ok)
	}
	_, err := r.ResolveAlias("s1") // an id is not an alias
	mustFail(t, err, "Service with alias 's1' is not found")
}

func TestRemove(t *testing.T) {
	r := New[int](host, admin)
	mustOK(t, r.Add("s1", alice, 1))
	mustOK(t, r.Add("s2", alice, 2))
	mustOK(t, r.AddAlias(admin, "chat", "s1"))
	_, err := r.Remove(bob, "chat")
	mustFail(t, err, "Forbidden. User id '12D3Bob' cannot call function 'remove_service': only creator can remove service")
	s, err := r.Remove(alice, "chat") // by alias, by the owner
	mustOK(t, err)
	if s.ID != "s1" {
		t.Fatalf("removed %s, want s1", s.ID)
	}
	if _, ok := r.Resolve("chat"); ok {
		t.Fatal("the alias of a removed service still resolves")
	}
	mustOK(t, r.Add("chat", bob, 3)) // the name is free again
	_, err = r.Remove(admin, "s2")   // the operator may remove anything
	mustOK(t, err)
	_, err = r.Remove(host, "s2")
	mustFail(t, err, "Service with id 's2' not found")
	if got := ids(r.List()); got != "chat[]" {
		t.Fatalf("List = %s", got)
	}
}
