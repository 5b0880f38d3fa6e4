package jira

// SetStatesBetweenReads makes State run fn between its reads of the links
// and of their ops, so a test can let the outbox move on in between.
func SetStatesBetweenReads(s *Service, fn func()) { s.statesBetweenReads = fn }

// DispatchRounds is how many times the dispatcher has woken up.
func DispatchRounds(s *Service) int64 { return s.rounds.Load() }
