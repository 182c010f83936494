package dispatch

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// recorder is a MessageInvoker that logs what it is given and panics on "boom".
type recorder struct{ log []string }

func (r *recorder) InvokeSystemMessage(m any) { r.log = append(r.log, fmt.Sprint("sys ", m)) }
func (r *recorder) InvokeUserMessage(m any) {
	if m == "boom" {
		panic("boom")
	}
	r.log = append(r.log, fmt.Sprint("user ", m))
}
func (r *recorder) EscalateFailure(reason, m any) {
	r.log = append(r.log, fmt.Sprint("failed ", m, ": ", reason))
}

func TestMailboxOrderSuspensionAndFailures(t *testing.T) {
	loop := NewLoop(1)
	rec := &recorder{}
	mb := NewMailbox()
	mb.RegisterHandlers(rec, loop)
	mb.PostUserMessage("u1")
	mb.PostSystemMessage("s1") // system messages go first
	mb.PostSystemMessage(&actor.SuspendMailbox{})
	mb.PostUserMessage("boom")
	mb.PostUserMessage("u2")
	loop.Run(100)
	if want := []string{"sys s1"}; !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("before resuming: %q, want %q", rec.log, want)
	}
	if mb.UserMessageCount() != 3 || loop.Pending() != 0 {
		t.Fatalf("suspended with %d user messages and %d activations pending, want 3 and 0", mb.UserMessageCount(), loop.Pending())
	}
	mb.PostSystemMessage("s2") // handled while suspended
	loop.Run(100)
	mb.PostSystemMessage(&actor.ResumeMailbox{})
	if n := loop.Run(100); n != 4 { // resume, u1, boom, u2: one message per activation
		t.Fatalf("%d activations after resuming, want 4", n)
	}
	want := []string{"sys s1", "sys s2", "user u1", "failed boom: boom", "user u2"}
	if !reflect.DeepEqual(rec.log, want) {
		t.Fatalf("log %q, want %q", rec.log, want)
	}
}

// An observed mailbox reports each message with the actor that handles it, in the order they
// are handled.
func TestObservedMailboxReportsTurns(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	loop := NewLoop(1)
	var turns []string
	opts := []actor.PropsOption{actor.WithDispatcher(loop), actor.WithMailbox(NewObservedMailbox(func(tn Turn) {
		if s, ok := tn.Message.(string); ok {
			turns = append(turns, tn.Actor.Id+":"+s)
		}
	}))}
	pid, err := system.Root.SpawnNamed(actor.PropsFromFunc(func(actor.Context) {}, opts...), "observed")
	if err != nil {
		t.Fatal(err)
	}
	system.Root.Send(pid, "a")
	system.Root.Send(pid, "b")
	loop.Run(100)
	if want := []string{"observed:a", "observed:b"}; !slices.Equal(turns, want) {
		t.Fatalf("turns %v, want %v", turns, want)
	}
}
