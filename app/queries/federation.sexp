;; Federation over ActivityPub (workers/router/src/federation): the local
;; actors (the instance actor 'site' and one per author), their keys and
;; followers, the remote actors this instance follows, the documents it
;; received from them, and every activity it took in. schema.sql's fed_* tables.
;;
;; jsonb goes in as JSON text (parameters are text, cast in the SQL:
;; :secret_jwks, :definitions) and comes back as data (a map, a list).

;; Authors ---------------------------------------------------------------------

;; An author's handle is users.handle ("hannah"): unique, [a-z0-9_]{1,30},
;; never 'site' (the instance actor's; schema.sql's check). A user without
;; one (NULL) is not federated.

(defquery federation author (&key handle)
  "A local author by handle (users.handle, e.g. \"hannah\"): a user with at least one published post, or nil."
  :private "federation's own: the actor behind a handle, for WebFinger and actor documents"
  :params {:handle :text}
  :returns :one
  :shape {:id :int :name :text :handle :text}
  :example {:handle "hannah"}
  :sql "SELECT u.id, u.name, u.handle
          FROM users u
         WHERE u.handle = :handle
           AND EXISTS (SELECT 1 FROM posts p WHERE p.author_id = u.id AND p.published)")

(defquery federation authors ()
  "Every local author: the users with a handle and at least one published post, with their handles."
  :private "federation's own: the local actors, for the ActivityPub endpoints"
  :returns :many
  :shape {:id :int :name :text :handle :text}
  :sql "SELECT u.id, u.name, u.handle
          FROM users u
         WHERE u.handle IS NOT NULL
           AND EXISTS (SELECT 1 FROM posts p WHERE p.author_id = u.id AND p.published)
         ORDER BY u.id")

(defquery federation posts ()
  "Every published post by an author with a handle, with the author's name and handle, oldest first: what the authors publish as documents."
  :private "federation's own: what this instance publishes as documents, for describing and sending them"
  :returns :many
  :shape {:id :int :slug :text :title :text :excerpt :text :body_html :text :tags :list
          :published_at :timestamp :author :text :handle :text}
  :sql "SELECT p.id, p.slug, p.title, p.excerpt, p.body_html, p.tags, p.published_at,
               u.name AS author, u.handle
          FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.published AND u.handle IS NOT NULL
         ORDER BY p.published_at, p.id")

(defquery federation post (&key slug)
  "One published post by an author with a handle, by its slug, as posts gives each; nil when there is none."
  :private "federation's own: the post a document is made from, for serving it"
  :params {:slug :text}
  :returns :one
  :shape {:id :int :slug :text :title :text :excerpt :text :body_html :text :tags :list
          :published_at :timestamp :author :text :handle :text}
  :example {:slug "wild-garlic-pesto"}
  :sql "SELECT p.id, p.slug, p.title, p.excerpt, p.body_html, p.tags, p.published_at,
               u.name AS author, u.handle
          FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.slug = :slug AND p.published AND u.handle IS NOT NULL")

;; Keys ------------------------------------------------------------------------

(defquery federation actor-keys (&key actor)
  "A local actor's key pairs (RSA and Ed25519, private and public JWKs), or nil before it has any. Never for pages."
  :private "its rows hold a secret (:secret_jwks): the actors' private keys, for signing here only"
  :params {:actor :text}
  :returns :one
  :shape {:actor :text :secret_jwks :map}
  :example {:actor "site"}
  :sql "SELECT actor, secret_jwks FROM fed_keys WHERE actor = :actor")

;; A no-op update rather than DO NOTHING: it waits for a racing insert and
;; returns that row (DO NOTHING returns none, and the statement's snapshot
;; cannot see a row committed after it began), so two first requests agree.
(defaction federation store-keys (&key actor secret_jwks)
  "Keep a local actor's key pairs (JSON text: {\"rsa\": {\"private\": JWK, \"public\": JWK}, \"ed25519\": {...}}) unless it has some: the keys it has after, the first stored winning."
  :params {:actor :text :secret_jwks :text}
  :returns :one
  :shape {:actor :text :secret_jwks :map}
  :example {:actor "example" :secret_jwks "{\"rsa\": {}, \"ed25519\": {}}"}
  :sql "INSERT INTO fed_keys (actor, secret_jwks) VALUES (:actor, :secret_jwks::jsonb)
        ON CONFLICT (actor) DO UPDATE SET secret_jwks = fed_keys.secret_jwks
        RETURNING actor, secret_jwks")

;; Followers -------------------------------------------------------------------

(defquery federation followers (&key actor)
  "Who follows a local actor ('site' or an author's handle), and their inboxes, oldest first."
  :private "operators only: who follows this instance, and their inboxes"
  :params {:actor :text}
  :returns :many
  :shape {:follower :text :inbox :text :shared_inbox :text}
  :example {:actor "site"}
  :sql "SELECT follower, inbox, shared_inbox FROM fed_followers WHERE actor = :actor ORDER BY created_at, follower")

(defquery federation all-followers ()
  "Every local actor's followers, by actor, oldest first."
  :private "operators only: who follows this instance, and their inboxes"
  :returns :many
  :shape {:actor :text :follower :text :inbox :text :shared_inbox :text :created_at :timestamp}
  :sql "SELECT actor, follower, inbox, shared_inbox, created_at FROM fed_followers ORDER BY actor, created_at, follower")

(defaction federation add-follower (&key actor follower inbox (shared_inbox nil) (follow_id nil))
  "Note that a remote actor follows a local one (its Follow accepted), or its inboxes again when it follows again."
  :params {:actor :text :follower :text :inbox :text :shared_inbox :text :follow_id :text}
  :returns :one
  :shape {:actor :text :follower :text :inbox :text :shared_inbox :text :follow_id :text}
  :example {:actor "site" :follower "https://remote.example/users/ann" :inbox "https://remote.example/users/ann/inbox"
            :shared_inbox "https://remote.example/inbox" :follow_id "https://remote.example/follows/1"}
  :sql "INSERT INTO fed_followers (actor, follower, inbox, shared_inbox, follow_id)
        VALUES (:actor, :follower, :inbox, :shared_inbox, :follow_id)
        ON CONFLICT (actor, follower) DO UPDATE
          SET inbox = EXCLUDED.inbox, shared_inbox = EXCLUDED.shared_inbox, follow_id = EXCLUDED.follow_id
        RETURNING actor, follower, inbox, shared_inbox, follow_id")

(defaction federation remove-follower (&key actor follower)
  "A remote actor no longer follows a local one (its Undo of the Follow)."
  :params {:actor :text :follower :text}
  :returns :none
  :example {:actor "site" :follower "https://remote.example/users/ann"}
  :sql "DELETE FROM fed_followers WHERE actor = :actor AND follower = :follower")

;; Following -------------------------------------------------------------------

(defquery federation following ()
  "The remote actors this instance follows, newest first, with the state of each Follow: pending, accepted or rejected."
  :private "operators only: whom this instance follows, and the state of each Follow"
  :returns :many
  :shape {:remote :text :handle :text :inbox :text :state :text :created_at :timestamp :accepted_at :timestamp}
  :sql "SELECT remote, handle, inbox, state, created_at, accepted_at FROM fed_following ORDER BY created_at DESC, remote")

(defquery federation followed (&key remote)
  "One remote actor this instance follows (by its id URL), with its Follow's id and state, or nil."
  :private "operators only: a followed actor's Follow, its id and state"
  :params {:remote :text}
  :returns :one
  :shape {:remote :text :handle :text :inbox :text :follow_id :text :state :text :created_at :timestamp :accepted_at :timestamp}
  :example {:remote "https://remote.example/ap/actors/site"}
  :sql "SELECT remote, handle, inbox, follow_id, state, created_at, accepted_at FROM fed_following WHERE remote = :remote")

(defaction federation follow (&key remote handle inbox follow_id)
  "This instance sent a Follow (its id follow_id) to a remote actor: pending until answered, also when it followed it before."
  :params {:remote :text :handle :text :inbox :text :follow_id :text}
  :returns :one
  :shape {:remote :text :handle :text :inbox :text :follow_id :text :state :text :created_at :timestamp}
  :example {:remote "https://remote.example/ap/actors/site" :handle "site@remote.example"
            :inbox "https://remote.example/ap/actors/site/inbox" :follow_id "https://here.example/ap/actors/site#follows/1"}
  :sql "INSERT INTO fed_following (remote, handle, inbox, follow_id, state)
        VALUES (:remote, :handle, :inbox, :follow_id, 'pending')
        ON CONFLICT (remote) DO UPDATE
          SET handle = EXCLUDED.handle, inbox = EXCLUDED.inbox, follow_id = EXCLUDED.follow_id,
              state = 'pending', accepted_at = NULL
        RETURNING remote, handle, inbox, follow_id, state, created_at")

(defaction federation follow-answered (&key remote follow_id state)
  "A remote actor answered this instance's Follow: state accepted or rejected, only when follow_id is that of the Follow it was sent. The row after, or nil when nothing matched."
  :params {:remote :text :follow_id :text :state :text}
  :returns :one
  :shape {:remote :text :handle :text :state :text :accepted_at :timestamp}
  :example {:remote "https://remote.example/ap/actors/site" :follow_id "https://here.example/ap/actors/site#follows/1" :state "accepted"}
  :sql "UPDATE fed_following
           SET state = :state::text,
               accepted_at = CASE WHEN :state::text = 'accepted' THEN coalesce(CASE WHEN state = 'accepted' THEN accepted_at END, now()) END
         WHERE remote = :remote AND follow_id = :follow_id AND :state::text IN ('accepted', 'rejected')
        RETURNING remote, handle, state, accepted_at")

(defaction federation unfollow (&key remote)
  "This instance no longer follows a remote actor: its row gone. The row as it was (its Follow's id, to undo), or nil when it did not follow it."
  :params {:remote :text}
  :returns :one
  :shape {:remote :text :handle :text :inbox :text :follow_id :text :state :text}
  :example {:remote "https://remote.example/ap/actors/site"}
  :sql "DELETE FROM fed_following WHERE remote = :remote RETURNING remote, handle, inbox, follow_id, state")

;; Shared pages (shared-pages in app/routes/fed.sexp) -------------------------------

(defquery federation upcoming-events ()
  "The events the site shares with the instances that follow it: those still to come, soonest first."
  :returns :many
  :shape {:slug :text :title :text :venue :text :starts_at :timestamp :ends_at :timestamp}
  :sql "SELECT slug, title, venue, starts_at, ends_at
          FROM events WHERE starts_at >= now()
         ORDER BY starts_at LIMIT 50")

;; Received documents ------------------------------------------------------------

(defquery federation document (&key handle slug)
  "A document received from an instance this one follows, by its author's handle (user@host) and slug: its verified source and definitions, where it comes from and when; nil when there is none."
  :params {:handle :text :slug :text}
  :returns :one
  :shape {:id :text :actor :text :handle :text :slug :text :instance :text :name :text :summary :text
          :source :text :hash :text :cid :text :definitions :list :url :text
          :published_at :timestamp :updated_at :timestamp :received_at :timestamp}
  :example {:handle "hannah@remote.example" :slug "wild-garlic-pesto"}
  :sql "SELECT id, actor, handle, slug, instance, name, summary, source, hash, cid, definitions, url,
               published_at, updated_at, received_at
          FROM fed_documents WHERE handle = :handle AND slug = :slug")

(defquery federation document-by-id (&key id)
  "A received document by its id at its origin (the object's URL), or nil."
  :private "federation's own: a received document by its origin's id, for taking in an Update; pages use document"
  :params {:id :text}
  :returns :one
  :shape {:id :text :actor :text :handle :text :slug :text :instance :text :name :text :summary :text
          :source :text :hash :text :cid :text :definitions :list :url :text
          :published_at :timestamp :updated_at :timestamp :received_at :timestamp}
  :example {:id "https://remote.example/ap/posts/wild-garlic-pesto"}
  :sql "SELECT id, actor, handle, slug, instance, name, summary, source, hash, cid, definitions, url,
               published_at, updated_at, received_at
          FROM fed_documents WHERE id = :id")

(defquery federation documents ()
  "The documents received from the instances this one follows, newest first: who wrote each, where it comes from, and when."
  :returns :many
  :shape {:handle :text :slug :text :name :text :summary :text :instance :text :cid :text
          :published_at :timestamp :updated_at :timestamp :received_at :timestamp}
  :sql "SELECT handle, slug, name, summary, instance, cid, published_at, updated_at, received_at
          FROM fed_documents
         ORDER BY coalesce(published_at, received_at) DESC, id")

;; Upsert by id: the whole row replaced by the newer verified version, never
;; by an older one (a late delivery): nil when the stored version is newer.
(defaction federation store-document (&key id actor handle slug instance (name nil) (summary nil) source hash cid
                                            (definitions "[]") (url nil) (published_at nil) (updated_at nil))
  "Keep a received document that verified (definitions as JSON text: [{\"name\", \"source\", \"hash\", \"cid\"}]), replacing the version kept before unless that one is newer. The row kept, or nil when it was not replaced."
  :params {:id :text :actor :text :handle :text :slug :text :instance :text :name :text :summary :text
           :source :text :hash :text :cid :text :definitions :text :url :text
           :published_at :timestamp :updated_at :timestamp}
  :returns :one
  :shape {:id :text :handle :text :slug :text :cid :text :received_at :timestamp}
  :example {:id "https://remote.example/ap/posts/wild-garlic-pesto" :actor "https://remote.example/ap/users/hannah"
            :handle "hannah@remote.example" :slug "wild-garlic-pesto" :instance "remote.example"
            :name "Wild Garlic Pesto in Five Minutes" :source "(p \"Blitz a bunch of wild garlic.\")"
            :hash "0000000000000000000000000000000000000000000000000000000000000000"
            :cid "bafkreiexample" :url "https://remote.example/blog/wild-garlic-pesto/"
            :published_at "2025-04-22T07:30:00Z"}
  :sql "INSERT INTO fed_documents (id, actor, handle, slug, instance, name, summary, source, hash, cid,
                                   definitions, url, published_at, updated_at)
        VALUES (:id, :actor, :handle, :slug, :instance, :name, :summary, :source, :hash, :cid,
                :definitions::jsonb, :url, :published_at::timestamptz, :updated_at::timestamptz)
        ON CONFLICT (id) DO UPDATE
          SET actor = EXCLUDED.actor, handle = EXCLUDED.handle, slug = EXCLUDED.slug, instance = EXCLUDED.instance,
              name = EXCLUDED.name, summary = EXCLUDED.summary, source = EXCLUDED.source, hash = EXCLUDED.hash,
              cid = EXCLUDED.cid, definitions = EXCLUDED.definitions, url = EXCLUDED.url,
              published_at = EXCLUDED.published_at, updated_at = EXCLUDED.updated_at, received_at = now()
          WHERE coalesce(EXCLUDED.updated_at, EXCLUDED.published_at, '-infinity')
                >= coalesce(fed_documents.updated_at, fed_documents.published_at, '-infinity')
        RETURNING id, handle, slug, cid, received_at")

(defquery federation documents-using (&key instance name hash)
  "The received documents of an instance that use one of its components in another version than hash, the longest kept first, at most 10: the ones to fetch again now that it changed (their origin's Updates bring the rest)."
  :private "federation's own: which received documents to fetch again"
  :params {:instance :text :name :text :hash :text}
  :returns :many
  :shape {:id :text :actor :text :handle :text :slug :text}
  :example {:instance "remote.example" :name "~post-article" :hash "0000000000000000000000000000000000000000000000000000000000000000"}
  :sql "SELECT id, actor, handle, slug FROM fed_documents
         WHERE instance = :instance
           AND EXISTS (SELECT 1 FROM jsonb_array_elements(definitions) d
                        WHERE d->>'name' = :name AND d->>'hash' <> :hash)
         ORDER BY received_at, id
         LIMIT 10")

(defaction federation delete-document (&key id actor)
  "A received document its author deleted at its origin: gone here too. The row as it was, or nil when there was none of that actor's."
  :params {:id :text :actor :text}
  :returns :one
  :shape {:id :text :handle :text :slug :text}
  :example {:id "https://remote.example/ap/posts/wild-garlic-pesto" :actor "https://remote.example/ap/users/hannah"}
  :sql "DELETE FROM fed_documents WHERE id = :id AND actor = :actor RETURNING id, handle, slug")

;; Received components -----------------------------------------------------------

(defquery federation components ()
  "The components the instances this one follows announced, by instance and name: each one's hash, CID and when it arrived."
  :returns :many
  :shape {:instance :text :name :text :hash :text :cid :text :received_at :timestamp}
  :sql "SELECT instance, name, hash, cid, received_at FROM fed_components ORDER BY instance, name")

(defquery federation component (&key instance name)
  "One component an instance this one follows announced, by its instance (host) and name: its verified source (canonical and laid out), the components it uses, hash, CID and where it comes from; nil when there is none."
  :params {:instance :text :name :text}
  :returns :one
  :shape {:id :text :actor :text :instance :text :name :text :source :text :pretty :text :hash :text :cid :text
          :definitions :list :received_at :timestamp}
  :example {:instance "remote.example" :name "~post-article"}
  :sql "SELECT id, actor, instance, name, source, pretty, hash, cid, definitions, received_at
          FROM fed_components WHERE instance = :instance AND name = :name")

;; Upsert by id: always the version just fetched from its origin (the current one there).
(defaction federation store-component (&key id actor instance name source pretty hash cid (definitions "[]"))
  "Keep a component an instance announced that verified (definitions as JSON text: [{\"name\", \"source\", \"hash\", \"cid\"}]), replacing the version kept before. The row kept."
  :params {:id :text :actor :text :instance :text :name :text :source :text :pretty :text :hash :text :cid :text :definitions :text}
  :returns :one
  :shape {:id :text :instance :text :name :text :hash :text :received_at :timestamp}
  :example {:id "https://remote.example/ap/components/~notice" :actor "https://remote.example/ap/users/site"
            :instance "remote.example" :name "~notice" :source "(defcomp ~notice (&key title) (p title))"
            :pretty "(defcomp ~notice (&key title)\n  (p title))"
            :hash "0000000000000000000000000000000000000000000000000000000000000000" :cid "bafkreiexample"}
  :sql "INSERT INTO fed_components (id, actor, instance, name, source, pretty, hash, cid, definitions)
        VALUES (:id, :actor, :instance, :name, :source, :pretty, :hash, :cid, :definitions::jsonb)
        ON CONFLICT (id) DO UPDATE
          SET actor = EXCLUDED.actor, instance = EXCLUDED.instance, name = EXCLUDED.name, source = EXCLUDED.source,
              pretty = EXCLUDED.pretty, hash = EXCLUDED.hash, cid = EXCLUDED.cid, definitions = EXCLUDED.definitions,
              received_at = now()
        RETURNING id, instance, name, hash, received_at")

(defquery federation component-by-id (&key id)
  "A received component by its id at its origin, or nil."
  :private "federation's own: a received component by its origin's id, for taking in a Delete; pages use component"
  :params {:id :text}
  :returns :one
  :shape {:id :text :actor :text :instance :text :name :text :hash :text :cid :text}
  :example {:id "https://remote.example/ap/components/~notice"}
  :sql "SELECT id, actor, instance, name, hash, cid FROM fed_components WHERE id = :id")

(defquery federation components-of (&key instance)
  "The components one instance shares, as kept here with their sources and the definitions each uses: what a document of that instance may reference, so they need not be fetched again."
  :private "federation's own: sources of an instance's components, for taking in its documents"
  :params {:instance :text}
  :returns :many
  :shape {:name :text :source :text :hash :text :cid :text :definitions :list}
  :example {:instance "remote.example"}
  :sql "SELECT name, source, hash, cid, definitions FROM fed_components WHERE instance = :instance ORDER BY name")

(defaction federation delete-component (&key id actor)
  "A component its instance no longer announces: gone here too. The row as it was, or nil."
  :params {:id :text :actor :text}
  :returns :one
  :shape {:id :text :instance :text :name :text}
  :example {:id "https://remote.example/ap/components/~notice" :actor "https://remote.example/ap/users/site"}
  :sql "DELETE FROM fed_components WHERE id = :id AND actor = :actor RETURNING id, instance, name")

;; Activities ------------------------------------------------------------------

;; Taken in again (outcome and reason as given, `at` now) when its last try
;; failed for a passing reason, or is still pending after 5 minutes (the
;; Worker handling it was cut off). On the conflict the row is locked and the
;; WHERE sees its latest version: of two retries at once, one is taken in.
(defaction federation record-activity (&key id type actor (object nil) (outcome "pending") (reason nil))
  "Take in an activity once: its row, or nil when its id was seen before (a replay, not processed again) unless it failed that time or has been pending for more than 5 minutes (then its row again: process it)."
  :params {:id :text :type :text :actor :text :object :text :outcome :text :reason :text}
  :returns :one
  :shape {:id :text}
  :example {:id "https://remote.example/activities/1" :type "Follow" :actor "https://remote.example/users/ann"
            :object "https://here.example/ap/actors/site"}
  :sql "INSERT INTO fed_activities (id, type, actor, object, outcome, reason)
        VALUES (:id, :type, :actor, :object, :outcome, :reason)
        ON CONFLICT (id) DO UPDATE
          SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, at = now()
          WHERE fed_activities.outcome = 'failed'
             OR (fed_activities.outcome = 'pending' AND fed_activities.at < now() - interval '5 minutes')
        RETURNING id")

(defaction federation activity-outcome (&key id outcome (reason nil))
  "What came of an activity taken in: accepted, refused and why, or failed (for a passing reason: its retry is taken in) and why."
  :params {:id :text :outcome :text :reason :text}
  :returns :none
  :example {:id "https://remote.example/activities/1" :outcome "refused" :reason "signature: the body does not match its digest"}
  :sql "UPDATE fed_activities SET outcome = :outcome, reason = :reason WHERE id = :id")

(defquery federation activities (&key (limit 50))
  "The activities taken in, newest first, with what came of each (accepted, refused and why, failed and why, or pending)."
  :private "operators only: every activity taken in, refusals and their reasons"
  :params {:limit :int}
  :returns :many
  :shape {:id :text :type :text :actor :text :object :text :outcome :text :reason :text :at :timestamp}
  :example {:limit 20}
  :sql "SELECT id, type, actor, object, outcome, reason, at
          FROM fed_activities
         ORDER BY at DESC, id
         LIMIT least(greatest(:limit::int, 0), 500)")
