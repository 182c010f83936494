package aqua

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// howToGetNode is the advice given with ErrNoNode.
const howToGetNode = "install Node.js (with npm) from https://nodejs.org or your system's packages, e.g. apt-get install nodejs npm"

// findNode returns the node executable on PATH, checking that it is new enough.
func findNode(ctx context.Context) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("%w, but node is not on PATH: %s", ErrNoNode, howToGetNode)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%w; %s --version failed: %v", ErrNoNode, node, err)
	}
	version := strings.TrimSpace(string(out))
	major, ok := nodeMajor(version)
	if !ok {
		return "", fmt.Errorf("%w; %s --version printed %q, not a version", ErrNoNode, node, version)
	}
	if major < MinNodeMajor {
		return "", fmt.Errorf("%w, but %s is %s: %s", ErrNoNode, node, version, howToGetNode)
	}
	return node, nil
}

// nodeMajor reads the major version of "v20.20.2".
func nodeMajor(version string) (int, bool) {
	s, ok := strings.CutPrefix(version, "v")
	if !ok {
		return 0, false
	}
	s, _, _ = strings.Cut(s, ".")
	major, err := strconv.Atoi(s)
	return major, err == nil && major >= 0
}
