package cloudsim

// readLag is the read-after-write lag of the quirks IdleReadsAfterConnect
// and PublishingReadsAfterPublish: for a number of reads after a write, a
// read shows the status the write replaced, as if served by a replica
// that has not caught up. Keys are only ever resources of the world, so
// the maps are bounded by the fixture. Guarded by Server.mu.
type readLag struct {
	interfaces   map[string]*laggedStatus         // router interface ID
	publications map[publicationKey]*laggedStatus // route entry towards a target
	endpoints    map[string]*laggedStatus         // APIG endpoint connection ID
}

// laggedStatus is the status reads show while reads remain.
type laggedStatus struct {
	status string
	reads  int
}

// publicationKey names the publish status of a route entry towards one
// target.
type publicationKey struct {
	entryID, targetID string
}

func newReadLag() readLag {
	return readLag{interfaces: map[string]*laggedStatus{}, publications: map[publicationKey]*laggedStatus{}, endpoints: map[string]*laggedStatus{}}
}

// connected starts (or restarts) the lag of interface id after a connect;
// deactivated and activated after those writes.
func (qs *quirkState) connected(id, before string) {
	qs.lagInterface(id, before, qs.cfg.IdleReadsAfterConnect)
}

func (qs *quirkState) deactivated(id string) {
	qs.lagInterface(id, RouterInterfaceActive, qs.cfg.ActiveReadsAfterDeactivate)
}

func (qs *quirkState) activated(id string) {
	qs.lagInterface(id, RouterInterfaceInactive, qs.cfg.InactiveReadsAfterActivate)
}

func (qs *quirkState) lagInterface(id, before string, reads int) {
	if reads > 0 {
		qs.lag.interfaces[id] = &laggedStatus{status: before, reads: reads}
	}
}

// interfaceStatusRead is the Status a read answering interface id shows;
// it uses up one lagged read.
func (qs *quirkState) interfaceStatusRead(id, real string) string {
	return readLagged(qs.lag.interfaces, id, real)
}

// publishing starts (or restarts) the lag of an entry's status towards a
// target after a publish moved it to Publishing.
func (qs *quirkState) publishing(entryID, targetID string) {
	if n := qs.cfg.PublishingReadsAfterPublish; n > 0 {
		qs.lag.publications[publicationKey{entryID, targetID}] = &laggedStatus{status: PublishStatusPublishing, reads: n}
	}
}

// withdrawing starts the lag of an entry's status towards a target after
// a withdraw moved it from Published to Withdrawing.
func (qs *quirkState) withdrawing(entryID, targetID string) {
	if n := qs.cfg.PublishedReadsAfterWithdraw; n > 0 {
		qs.lag.publications[publicationKey{entryID, targetID}] = &laggedStatus{status: PublishStatusPublished, reads: n}
	}
}

// publishStatusRead is the PublishStatus a read answering the entry's
// status towards the target shows; it uses up one lagged read.
func (qs *quirkState) publishStatusRead(entryID, targetID, real string) string {
	return readLagged(qs.lag.publications, publicationKey{entryID, targetID}, real)
}

// endpointActedOn starts the lag of a connection after an accept or a
// reject moved it from before.
func (qs *quirkState) endpointActedOn(id, before string) {
	if n := qs.cfg.EndpointReadsAfterAction; n > 0 {
		qs.lag.endpoints[id] = &laggedStatus{status: before, reads: n}
	}
}

// endpointStatusRead is the status a read of connection id shows; it uses
// up one lagged read.
func (qs *quirkState) endpointStatusRead(id, real string) string {
	return readLagged(qs.lag.endpoints, id, real)
}

func readLagged[K comparable](lags map[K]*laggedStatus, key K, real string) string {
	l := lags[key]
	if l == nil {
		return real
	}
	l.reads--
	if l.reads <= 0 {
		delete(lags, key)
	}
	return l.status
}
