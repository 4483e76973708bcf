;; The LLM endpoint's generations: workers/llm writes them (schema.sql's llm_* tables).

(defquery llm generation (&key hash)
  "One generation by its hash: the s-expression, what was asked and what made it."
  :params {:hash :text}
  :returns :one
  :example {:hash "8bf196d2bd9eb453443a10ed19208ce6b76baebd8d3cfbd543cd9ac4a1ab01ad"}
  :shape {:hash :text :sexp :text :cid :text :prompt :text :provider :text :model :text :created_at :timestamp}
  :sql "SELECT hash, sexp, cid, prompt, provider, model, created_at FROM llm_generations WHERE hash = :hash")
