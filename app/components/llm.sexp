;; The LLM endpoint's pages: the chat (GET /llm, turns added by htmx from
;; POST /llm), and a generation served as a page of its own (/llm/g/<hash>/).
;; Generated content arrives here already rendered (checked and evaluated by
;; (generated ...) in its own page).

(defcomp ~generation-page (&key generation &rest content)
  (~base-layout :title (:prompt generation)
    (main :class "layout narrow generation"
      (div :class "generated" content)
      (p :class "llm-meta"
        "Written by " (code (:model generation)) " (" (:provider generation) ") for "
        (q (:prompt generation)) ". "
        (a :href (str "/llm/generations/" (:hash generation)) "Provenance") " · "
        (a :href "/llm" "Ask for another page")))))

;; Which model answers, or how to configure one.
(defcomp ~llm-status (&key status)
  (if (:provider status)
    (p :class "llm-status" "Pages are written by " (code (:model status)) " (" (:provider status)
       (when (:grammar status) ", decoding under the catalog's grammar") "). "
       "Everything it writes is checked before it is shown. "
       (a :href "/llm/catalog" "What it may use") ".")
    (div :class "llm-status notice" :role "status"
      (p (strong "No model is configured. ") "You can still write pages by hand in the playground below, "
         "and a prompt is answered with the closest page people rated well, labelled as such.")
      (p :class "how-to" (:how_to status)))))

;; The hidden field that carries the conversation, in both forms; turns update it out of band.
(defcomp ~llm-conversation (&key id conversation oob)
  (input :type "hidden" :name "conversation" :id id :value conversation :hx-swap-oob (when oob "true")))

(defcomp ~llm-page (&key status conversation turns)
  (~base-layout :title "Ask for a page"
    (main :class "layout llm"
      (h1 "Ask for a page")
      (~llm-status :status status)
      (div :id "turns" :class "llm-turns" turns)
      (form :class "llm-ask" :method "post" :action "/llm" :hx-post "/llm" :hx-target "#turns" :hx-swap "beforeend"
            :hx-on:htmx:after-request "if (event.detail.successful) this.reset()"
        (~llm-conversation :id "conversation-ask" :conversation conversation)
        (label :for "prompt" "What should the page show?")
        (textarea :id "prompt" :name "prompt" :rows "3" :required true :maxlength "4000"
                  :placeholder "The three cheapest products in the market, as cards")
        (button :type "submit" "Ask"))
      (details :class "llm-playground"
        (summary "Playground: write or edit the s-expression yourself")
        (form :method "post" :action "/llm" :hx-post "/llm" :hx-target "#turns" :hx-swap "beforeend"
          (~llm-conversation :id "conversation-play" :conversation conversation)
          (label :for "sexp" "s-expression")
          (textarea :id "sexp" :name "sexp" :rows "8" :spellcheck "false" :class "code"
                    :placeholder "(div (h2 \"On sale\") (map (fn (p) (~product-card :product p)) (query market products :sort \"price\")))")
          (button :type "submit" "Render"))))))

;; One line of a diff: kind is "add", "remove" or "same".
(defcomp ~diff-line (&key line)
  (span :class (str "diff-" (:kind line)) (:text line)))

(defcomp ~llm-rating (&key hash)
  (form :class "llm-rating" :method "post" :action "/llm/feedback" :hx-post "/llm/feedback" :hx-swap "outerHTML"
    (input :type "hidden" :name "hash" :value hash)
    (span "Rate this page: ")
    (map (fn (n) (button :type "submit" :name "rating" :value (str n) :title (str n " of 5") (str n))) (list 1 2 3 4 5))))

(defcomp ~llm-rated (&key rating)
  (p :class "llm-rating" :role "status" "Thank you: rated " rating " of 5."))

;; A generation shown in the chat.
(defcomp ~llm-turn (&key prompt generation cached repairs warnings diff conversation &rest content)
  (article :class "llm-turn"
    (p :class "llm-prompt" prompt)
    (div :class "generated" content)
    (p :class "llm-meta"
      (if (= (:provider generation) "playground") "Written by hand" (<> "Written by " (code (:model generation))))
      (when cached " · the same request was answered before, so no model was asked")
      " · " (a :href (str "/llm/g/" (:hash generation) "/") "Its page")
      " · " (a :href (str "/llm/generations/" (:hash generation)) "Provenance"))
    (when (not (empty? warnings))
      (ul :class "llm-warnings" (map (fn (w) (li (:line w) ":" (:col w) " " (:message w))) warnings)))
    (when (not (empty? repairs))
      (details :class "llm-repairs" (summary "Repaired on the way")
        (ul (map (fn (r) (li r)) repairs))))
    (when diff
      (details :class "llm-diff" :open true (summary "What changed")
        (pre :class "code" (map (fn (l) (~diff-line :line l)) diff))))
    (details (summary "The s-expression") (pre :class "code" (:sexp generation)))
    (~llm-rating :hash (:hash generation))
    (~llm-conversation :id "conversation-ask" :conversation conversation :oob true)
    (~llm-conversation :id "conversation-play" :conversation conversation :oob true)))

;; No valid s-expression came, the model failed, or there is none.
(defcomp ~llm-failure (&key prompt error errors sexp closest conversation)
  (article :class "llm-turn failed" :role "alert"
    (when prompt (p :class "llm-prompt" prompt))
    (p :class "llm-error" error)
    (when (not (empty? errors))
      (ul :class "llm-errors" (map (fn (e) (li (code (:line e) ":" (:col e)) " " (:message e))) errors)))
    (when sexp (details (summary "What was written") (pre :class "code" sexp)))
    (when closest
      (div :class "llm-closest"
        (p (strong "Not written by a model: ") "the closest page people rated well, for "
           (q (:prompt closest)) " (similarity " (:similarity closest) ").")
        (a :href (str "/llm/g/" (:hash closest) "/") "Open it")
        (details (summary "Its s-expression") (pre :class "code" (:sexp closest)))))
    (when conversation
      (<> (~llm-conversation :id "conversation-ask" :conversation conversation :oob true)
          (~llm-conversation :id "conversation-play" :conversation conversation :oob true)))))
