package dispatch

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// NewMailbox is a protoactor MailboxProducer for mailboxes that handle one message per
// activation: system messages first, then user messages unless suspended, as protoactor's
// default mailbox orders them. After each message a mailbox with more to do schedules itself
// again, behind whatever else is pending, so the dispatcher decides the interleaving of every
// single message.
func NewMailbox() actor.Mailbox { return &mailbox{} }

// Turn is one message handled by one actor: what a simulator's event log records.
type Turn struct {
	Actor   *actor.PID // nil if the mailbox's invoker is not an actor context
	Message any
	System  bool
}

// NewObservedMailbox returns a producer of NewMailbox's mailboxes that call observe before
// each message they hand to their actor.
func NewObservedMailbox(observe func(Turn)) actor.MailboxProducer {
	return func() actor.Mailbox { return &mailbox{observe: observe} }
}

type mailbox struct {
	mu        sync.Mutex
	system    []any
	user      []any
	scheduled bool
	suspended bool

	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher
	observe    func(Turn)
}

func (m *mailbox) PostUserMessage(msg any) {
	m.post(func() { m.user = append(m.user, msg) })
}

func (m *mailbox) PostSystemMessage(msg any) {
	m.post(func() { m.system = append(m.system, msg) })
}

func (m *mailbox) post(push func()) {
	m.mu.Lock()
	push()
	schedule := !m.scheduled && m.runnable()
	if schedule {
		m.scheduled = true
	}
	m.mu.Unlock()
	if schedule {
		m.dispatcher.Schedule(m.processOne)
	}
}

// runnable reports whether a message can be handled now; m.mu is held.
func (m *mailbox) runnable() bool {
	return len(m.system) > 0 || (!m.suspended && len(m.user) > 0)
}

func (m *mailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker, m.dispatcher = invoker, dispatcher
}

func (m *mailbox) Start() {}

func (m *mailbox) UserMessageCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.user)
}

// processOne handles one message, then schedules the mailbox again if more can be handled.
func (m *mailbox) processOne() {
	msg, system := m.pop()
	if msg != nil {
		if m.observe != nil {
			t := Turn{Message: msg, System: system}
			if c, ok := m.invoker.(interface{ Self() *actor.PID }); ok {
				t.Actor = c.Self()
			}
			m.observe(t)
		}
		m.invoke(msg, system)
	}
	m.mu.Lock()
	again := m.runnable()
	m.scheduled = again
	m.mu.Unlock()
	if again {
		m.dispatcher.Schedule(m.processOne)
	}
}

func (m *mailbox) pop() (msg any, system bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case len(m.system) > 0:
		msg = m.system[0]
		m.system[0] = nil
		m.system = m.system[1:]
		switch msg.(type) {
		case *actor.SuspendMailbox:
			m.suspended = true
			return nil, true
		case *actor.ResumeMailbox:
			m.suspended = false
			return nil, true
		}
		return msg, true
	case !m.suspended && len(m.user) > 0:
		msg = m.user[0]
		m.user[0] = nil
		m.user = m.user[1:]
		return msg, false
	}
	return nil, false
}

// invoke hands msg to the actor; a panic in its Receive is escalated to its supervisor, as
// protoactor's default mailbox does (the message is dropped).
func (m *mailbox) invoke(msg any, system bool) {
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	if system {
		m.invoker.InvokeSystemMessage(msg)
	} else {
		m.invoker.InvokeUserMessage(msg)
	}
}
