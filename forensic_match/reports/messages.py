"""The words of the reports in Spanish and English: one catalogue (a dict) per language.

Messages are our own trusted text; the values put into them (ids, names, numbers) are
escaped when the message is rendered (:func:`forensic_match.reports.render.translator`).
Plain language first: every technical word is explained where it appears or in the glossary,
since a family report is often read aloud (and translated, e.g. into Quechua) to people who
are not geneticists.
"""

from __future__ import annotations

LANGUAGES = ("es", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "es": {
        "lang_name": "Español",
        "report_title": "Informe de identificación genética",
        "proposal_n": "Propuesta n.º {id}",
        "page_head": "Propuesta n.º {id} · familia {family} · corrida {run}",
        "page_foot": "Informe de identificación genética · {date}",
        "page_of": "página {page} de {pages}",
        "generated": "Informe generado el {date} por forensic_match {version}.",
        "state_pending": "pendiente de revisión",
        "state_reviewed": "revisada, pendiente de aprobación",
        "state_approved": "aprobada",
        "state_rejected": "rechazada",
        "state_superseded": "sustituida por la propuesta del cuerpo completo",
        "state_line": "Estado de la propuesta: {state}.",
        "not_approved": ("Atención: esta propuesta todavía no ha sido aprobada por el equipo "
                         "responsable. No es una identificación definitiva."),
        "closed_caution": ("Atención: la corrida trató la lista de desaparecidos como "
                           "completa, pero el ADN de los restos (marcadores STR) encaja "
                           "{ratio} veces mejor con un familiar no registrado de {missing} "
                           "que con {missing}: {relatives}. Los restos pueden ser los de ese "
                           "familiar. Antes de aprobar esta propuesta hay que sopesar a los "
                           "familiares no registrados (una corrida que los considere)."),
        "closed_caution_approved": (
            "Atención: la corrida trató la lista de desaparecidos como completa, pero el ADN "
            "de los restos (marcadores STR) encaja {ratio} veces mejor con un familiar no "
            "registrado de {missing} que con {missing}: {relatives}. Los restos pueden ser "
            "los de ese familiar. Esta propuesta fue aprobada a pesar de esta advertencia "
            "(el historial dice por quién y por qué)."),
        "summary_closed_caution": ("Pero esa probabilidad supone que ningún familiar no "
                                   "registrado de {missing} está entre los restos, y el ADN "
                                   "no lo apoya: un familiar no registrado ({who}) encaja "
                                   "{ratio} veces mejor. Por eso esta identificación "
                                   "no es segura."),
        "lim_relatives_closed_found": ("Un familiar no registrado de {missing} encaja "
                                       "{ratio} veces mejor con los restos que {missing} "
                                       "(marcadores STR): {relatives}. La corrida no "
                                       "consideró esa posibilidad (lista de desaparecidos "
                                       "tratada como completa), así que ni el LR ni la "
                                       "probabilidad final de este informe la descartan."),
        "dash_closed_caution": ("Lista cerrada: un familiar no registrado encaja mejor con "
                                "los restos: {relatives}; sopesarlo antes de aprobar."),
        "flagged": ("Atención: esta propuesta fue marcada para una nueva revisión "
                    "({reason}); debe revisarse de nuevo antes de cualquier decisión."),
        "decided_over_flag": ("Atención: esta propuesta fue marcada para una nueva revisión "
                              "el {at} ({reason}) y luego decidida de nuevo por el equipo "
                              "responsable. Las cifras de este informe son las de la corrida "
                              "que la hizo ({run}); una corrida posterior puede valorarla de "
                              "otro modo."),
        "rejected": ("Atención: el equipo responsable rechazó esta propuesta. No es una "
                     "identificación."),
        "newest_other": ("La corrida más reciente ({run}, {date}), sobre los datos más "
                         "recientes, ya no propone este par: propone estos restos como "
                         "{missing} de la familia {family} (propuesta n.º {id})."),
        "newest_family_level": ("La corrida más reciente ({run}, {date}), sobre los datos más "
                                "recientes, ya no propone este par: sitúa estos restos en la "
                                "familia {family} (probabilidad {posterior}) sin decir quién "
                                "de ella son: {candidates}."),
        "newest_held": ("La corrida más reciente ({run}, {date}), sobre los datos más "
                        "recientes, retuvo un par de estos restos con la familia {family}: "
                        "{reason}."),
        "newer": ("Hay una propuesta posterior para la misma persona desaparecida: n.º {id} "
                  "(restos {pm}; {state})."),
        "superseded": ("Atención: esta propuesta identificaba parte de un cuerpo. La sustituyó "
                       "la propuesta n.º {id} (restos {pm}), aprobada, que identifica el "
                       "cuerpo completo como la misma persona. Esta no es la identificación "
                       "vigente."),
        "superseded_gone": ("Atención: esta propuesta identificaba parte de un cuerpo y fue "
                            "sustituida por la propuesta del cuerpo completo de la misma "
                            "persona, que ya no está aprobada (véase el historial de "
                            "revisión). Esta no es la identificación vigente."),
        "body_supersedes": ("La misma persona desaparecida ya está identificada con los restos "
                            "{pm}, parte de este cuerpo (propuesta n.º {id}, aprobada). "
                            "Aprobar esta propuesta, la del cuerpo completo, sustituye a "
                            "aquella."),
        "body_larger": ("La propuesta n.º {id} (restos {pm}; {state}) propone el cuerpo "
                        "completo del que estos restos son parte. Aprobarla sustituye a esta "
                        "propuesta."),
        "body_blocked_person": ("Atención: la misma persona desaparecida ya está identificada "
                                "con los restos {pm} (propuesta n.º {id}, aprobada). Una "
                                "persona es un solo cuerpo: esta propuesta no puede aprobarse "
                                "mientras no se reabra una de las dos."),
        "body_blocked_body": ("Atención: los restos {sample} ya están identificados como "
                              "{missing} de la familia {family} (propuesta n.º {id}, "
                              "aprobada). Un cuerpo es una sola persona: esta propuesta no "
                              "puede aprobarse mientras no se reabra una de las dos."),
        "rejected_before": ("Una propuesta anterior para la misma persona desaparecida fue "
                            "rechazada: n.º {id} (restos {pm}), el {date}: «{reason}»."),
        "summary_compared_one": ("Se comparó el ADN de los restos {pm} con el ADN de un "
                                 "familiar de la persona desaparecida {missing} (familia "
                                 "{family})."),
        "summary_compared_direct": ("Se comparó el ADN de los restos {pm} con el ADN de una "
                                    "referencia directa de la persona desaparecida {missing} "
                                    "(familia {family}): un objeto personal o una muestra "
                                    "tomada en vida."),
        "summary_times_direct": ("Es {lr} veces más probable obtener estos resultados de ADN "
                                 "si los restos y la referencia son de la misma persona que "
                                 "si son de dos personas sin parentesco."),
        "h1_direct": ("H1: los restos ({pm}) y la referencia directa de {missing} (familia "
                      "{family}) son de la misma persona, {missing}."),
        "h2_direct": ("H2: los restos ({pm}) son de otra persona, sin parentesco con "
                      "{missing}, tomada al azar de la población que describe la tabla de "
                      "frecuencias."),
        "alternatives_note_closed": ("La probabilidad final (más abajo) consideró además "
                                     "otros restos y otras personas desaparecidas, pero NO "
                                     "familiares no registrados de {missing}: la corrida trató "
                                     "la lista de desaparecidos como completa (peso de los "
                                     "familiares no registrados: {weight}). El motivo que dio "
                                     "el programa (su texto, en inglés): «{reason}»"),
        "alternatives_note_direct": ("La probabilidad final (más abajo) sopesó esta "
                                     "comparación frente a que los restos sean de alguien que "
                                     "no está en el registro. El motivo que dio el programa "
                                     "(su texto, en inglés): «{reason}»"),
        "lim_relatives_closed": ("Un familiar no registrado de {missing} (un hermano, el "
                                 "padre, un hijo) puede tener un LR tan alto como el de este "
                                 "informe; la corrida no consideró esa posibilidad (lista de "
                                 "desaparecidos tratada como completa), así que ni el LR ni "
                                 "la probabilidad final lo descartan."),
        "lim_direct": ("Se supone que la referencia lleva solo el ADN de {missing}: un objeto "
                       "usado también por otra persona, o una muestra confundida o "
                       "contaminada, haría que la comparación apunte a otra persona. Un "
                       "gemelo idéntico de {missing} tiene el mismo ADN: la comparación no "
                       "los distingue."),
        "col_reference": "Referencia directa de {missing}",
        "prov_table": "Tabla de frecuencias de alelos",
        "prov_table_dataset": "la del conjunto de datos de la corrida ({path})",
        "prov_mutation": "Modelos de mutación (♀ por vía materna, ♂ por vía paterna)",
        "prov_mutation_none": "ninguno (herencia mendeliana sin mutación)",
        "method_same_source_theta": ("LR de misma fuente (restos frente a la referencia directa, "
                                     "frecuencias con la corrección por subpoblación theta, "
                                     "pérdida de alelos en los restos)"),
        "lim_theta_direct": ("Supone que la persona desaparecida no está más emparentada con "
                             "otras personas de su población que lo que indica el parámetro "
                             "theta ({theta})."),
        "method_same_source": ("LR de misma fuente (restos frente a la referencia directa, "
                               "frecuencias de Hardy-Weinberg, pérdida de alelos de los "
                               "restos)"),
        "evidence_intro_used": ("Datos registrados de la persona desaparecida (antes de la "
                                "desaparición) y de los restos (después del hallazgo). La "
                                "corrida los pesó: la probabilidad final descansa en el LR "
                                "del ADN multiplicado por el LR de esta información (abajo)."),
        "summary_h": "Resumen en palabras sencillas",
        "summary_compared": ("Se comparó el ADN de los restos {pm} con el ADN de {n} "
                             "familiares de la persona desaparecida {missing} (familia "
                             "{family})."),
        "summary_times": ("Es {lr} veces más probable obtener estos resultados de ADN si los "
                          "restos son de {missing} que si son de una persona sin parentesco "
                          "con la familia."),
        "summary_times_against": ("Es {lr} veces más probable obtener estos resultados de ADN "
                                  "si los restos son de una persona sin parentesco con la "
                                  "familia que si son de {missing}."),
        "summary_verbal": ("En la escala de la Red Europea de Institutos de Ciencias Forenses "
                           "(ENFSI, 2015) esto es un {level} a la primera explicación frente "
                           "a la segunda."),
        "summary_verbal_against": ("En la escala de la Red Europea de Institutos de Ciencias "
                                   "Forenses (ENFSI, 2015) esto es un {level} a la segunda "
                                   "explicación frente a la primera."),
        "summary_neutral": ("Los resultados de ADN no apoyan una explicación más que la "
                            "otra."),
        "summary_lr_means": ("Este número no es la probabilidad de que los restos sean de "
                             "{missing}: dice cuánto más esperables son los resultados de ADN "
                             "con una explicación que con la otra."),
        "summary_posterior": ("Al sopesar este resultado frente a todas las otras "
                              "explicaciones a la vez (ver «Probabilidad final»), la "
                              "probabilidad calculada de que los restos sean de {missing} "
                              "es {posterior}."),
        "summary_posterior_evidence": ("Al multiplicarlo por el peso de la otra información "
                                       "(no genética, LR {evidence}) y sopesarlo frente a "
                                       "todas las otras explicaciones a la vez (ver "
                                       "«Probabilidad final»), la probabilidad calculada de "
                                       "que los restos sean de {missing} es {posterior}."),
        "level_neutral": "apoyo nulo",
        "level_weak": "apoyo débil o limitado",
        "level_moderate": "apoyo moderado",
        "level_moderately_strong": "apoyo moderadamente fuerte",
        "level_strong": "apoyo fuerte",
        "level_very_strong": "apoyo muy fuerte",
        "level_extremely_strong": "apoyo extremadamente fuerte",
        "propositions_h": "Las dos explicaciones comparadas (proposiciones)",
        "propositions_intro": ("Un resultado de ADN solo tiene sentido frente a dos "
                               "explicaciones posibles. El cálculo compara estas dos:"),
        "h1": ("H1: los restos ({pm}) son de {missing}, la persona desaparecida de la familia "
               "{family}, emparentada con los familiares analizados como indica el árbol "
               "familiar de este informe."),
        "h2": ("H2: los restos ({pm}) son de otra persona, sin parentesco con la familia "
               "{family}, tomada al azar de la población que describe la tabla de "
               "frecuencias."),
        "alternatives_note": ("La probabilidad final (más abajo) consideró además otras "
                              "explicaciones: otros restos, otras personas desaparecidas y "
                              "familiares no registrados de {missing} (por ejemplo un hermano). "
                              "El motivo que dio el programa (su texto, en inglés): «{reason}»"),
        "results_h": "Resultado del ADN",
        "lr_total": "Cociente de verosimilitud (LR) total",
        "lr_total_value": "LR = {lr} (log10 LR = {log10})",
        "verbal": "Equivalente verbal (ENFSI 2015)",
        "markers_compared": "Marcadores comparados",
        "table_h": "LR por marcador",
        "table_intro": ("Cada marcador es un lugar del ADN que se examinó. El LR total es el "
                        "producto de los LR de todos los marcadores, porque los marcadores se "
                        "heredan de forma independiente. En los restos, un solo número quiere "
                        "decir que solo se vio ese alelo (el otro pudo perderse por la "
                        "degradación); «+» separa lo visto en distintos fragmentos."),
        "col_marker": "Marcador",
        "col_observed": "Alelos vistos en los restos",
        "col_lr": "LR",
        "col_log10": "log10 LR",
        "not_typed": "sin resultado (LR 1)",
        "recomputed": ("Los LR por marcador no se guardan en el registro de casos: se "
                       "recalcularon al generar este informe con el motor exacto "
                       "(verosimilitud del árbol familiar completo), a partir de las mismas "
                       "versiones de los datos en que se basa la propuesta. Su suma en log10 "
                       "es {recomputed}; el valor guardado por la corrida es {stored}."),
        "recompute_differs": ("Atención: el total recalculado difiere del guardado en "
                              "{diff} (en log10). El LR que sostiene la propuesta es el "
                              "guardado; la diferencia debe revisarse."),
        "recompute_conditioned": ("El LR guardado se calculó con la familia ampliada por otros "
                                  "restos ya identificados en ella (regla «después de "
                                  "condicionar»); los LR por marcador se recalcularon con la "
                                  "familia tal como fue declarada, por eso los totales pueden "
                                  "diferir."),
        "conditioning_item": "restos {pm} como {missing} (propuesta n.º {id}, {state})",
        "conditioning_state_flagged": "{state}, marcada para nueva revisión",
        "conditioning_open": ("El LR de esta propuesta descansa en otras propuestas que no "
                              "están aprobadas: {items}. No puede aprobarse antes que ellas; "
                              "si alguna se rechaza, este LR descansa en restos que la "
                              "revisión no aceptó como esa persona."),
        "summary_conditioned": ("La comparación incluyó también, como miembros de la familia, "
                                "restos ya propuestos como otras personas desaparecidas de "
                                "ella: {items}. El LR de abajo descansa en que esos restos "
                                "sean esas personas."),
        "summary_conditioned_unrecorded": ("La comparación incluyó también, como miembros de "
                                           "la familia, restos ya identificados como otras "
                                           "personas desaparecidas de ella; cuáles no quedó "
                                           "registrado (la propuesta es anterior a que el "
                                           "registro de casos los guardara). El LR de abajo "
                                           "descansa en esas identificaciones."),
        "propositions_conditioned": ("En H1 y en H2 la familia incluye además, como miembros "
                                     "tipificados, {items}."),
        "conditioning_h": "Identificaciones en las que descansa este LR",
        "conditioning_intro": ("La corrida calculó el LR guardado con estos restos como "
                               "miembros tipificados de la familia, identificados antes en la "
                               "misma corrida. Si alguno no es la persona indicada, ese LR no "
                               "vale: con la familia tal como fue declarada, la suma de la "
                               "tabla de arriba es {recomputed} en log10, frente a {stored} "
                               "guardado."),
        "col_taken_as": "Tomados como",
        "col_proposal_lr": "log10 LR de esa propuesta",
        "recompute_missing": ("Los LR por marcador no se pudieron recalcular ({note}); el "
                              "informe muestra solo el LR total guardado."),
        "pedigree_h": "Árbol familiar",
        "pedigree_intro": ("El dibujo muestra la familia como fue declarada. Los cuadrados "
                           "son hombres, los círculos mujeres y los rombos personas de sexo "
                           "no registrado. Las figuras rellenas son familiares cuyo ADN fue "
                           "analizado."),
        "legend_male": "hombre",
        "legend_female": "mujer",
        "legend_unknown": "sexo no registrado",
        "legend_typed": "ADN analizado",
        "legend_missing": "persona desaparecida buscada",
        "legend_pm": "restos comparados",
        "persons_h": "Personas del árbol",
        "col_person": "Persona",
        "col_relation": "Relación con {missing}",
        "col_sex": "Sexo",
        "col_role": "Papel",
        "col_markers": "Marcadores con resultado",
        "sex_M": "hombre",
        "sex_F": "mujer",
        "sex_U": "no registrado",
        "role_missing": "persona desaparecida (la que se busca)",
        "role_missing_other": "otra persona desaparecida de la familia",
        "role_typed": "familiar con ADN analizado",
        "role_untyped": "sin ADN (solo une el árbol)",
        "names_hidden": ("Este informe usa códigos en lugar de nombres. Los nombres solo se "
                         "incluyen cuando se pide expresamente."),
        "names_shown": ("Este informe incluye nombres y datos personales a pedido expreso: "
                        "trátelo como documento confidencial."),
        "evidence_h": "Otra información (no genética)",
        "am_hidden": ("El registro de {missing} tiene además {n} campos de nombre no conocido, "
                      "que este informe con códigos no muestra (pueden contener datos "
                      "personales; se muestran en un informe con nombres, --identities)."),
        "am_hidden_one": ("El registro de {missing} tiene además un campo de nombre no "
                          "conocido, que este informe con códigos no muestra (puede contener "
                          "datos personales; se muestra en un informe con nombres, "
                          "--identities)."),
        "evidence_intro": ("Datos registrados de la persona desaparecida (antes de la "
                           "desaparición) y de los restos (después del hallazgo). Se muestran "
                           "como información; el LR de este informe es solo del ADN."),
        "evidence_lr_h": "Peso de la otra información",
        "evidence_lr_intro": ("La corrida también calculó cuánto más probables son estos "
                              "datos (sexo, edad, estatura, dientes, señas particulares) si "
                              "los restos son de {missing} que si son de otra persona. Se "
                              "toma como independiente del ADN, y los dos números se "
                              "multiplican."),
        "evidence_lr": "LR de la otra información",
        "evidence_lr_not_weighed": "no se sopesó",
        "summary_posterior_no_evidence": ("No se sopesó ninguna otra información (no "
                                          "genética): {why}. Al sopesar el resultado del ADN "
                                          "frente a todas las otras explicaciones a la vez "
                                          "(ver «Probabilidad final»), la probabilidad "
                                          "calculada de que los restos sean de {missing} es "
                                          "{posterior}."),
        "evidence_intro_not_weighed": ("Datos registrados de la persona desaparecida (antes "
                                       "de la desaparición) y de los restos (después del "
                                       "hallazgo). La corrida pesa esta información, pero no "
                                       "en esta propuesta: {why}. La probabilidad final "
                                       "descansa solo en el ADN."),
        "evidence_not_weighed_direct": ("no se aplica a una comparación con una referencia "
                                        "directa"),
        "evidence_not_weighed_none": ("ningún dato registrado de {missing} pudo compararse "
                                      "con los de los restos"),
        "evidence_not_weighed_no_record": "no hay registro ante mortem de {missing}",
        "evidence_pieces": "Cada dato (LR)",
        "combined_lr": "LR combinado (ADN × otra información)",
        "place_prior": ("Factor de lugar y fecha (una probabilidad inicial, no un LR: pesó "
                        "en la decisión, no en el LR)"),
        "am_h": "Persona desaparecida {missing}",
        "pm_h": "Restos {pm}",
        "col_field": "Dato",
        "col_value": "Valor",
        "field_sex": "sexo",
        "field_site": "lugar de hallazgo",
        "field_dropout": "probabilidad de pérdida de alelos (degradación)",
        "posterior_h": "Probabilidad final y probabilidad inicial",
        "posterior_value": "Probabilidad final (posterior) de que los restos sean de {missing}",
        "prior_value": ("Probabilidad inicial (prior) de que unos restos sean de alguna "
                        "persona desaparecida registrada (de cualquiera, no de esta en "
                        "particular)"),
        "prior_unknown": "no indicada por el programa para esta propuesta",
        "posterior_explain": ("La probabilidad final no se obtiene del LR y la "
                              "probabilidad inicial solos: el programa sopesa a la vez esta "
                              "explicación y todas las otras: que los restos sean de otra "
                              "persona registrada o de alguien que no está en el registro (con "
                              "la probabilidad inicial de arriba, fijada antes de mirar el ADN "
                              "a partir del número de personas desaparecidas y de restos del "
                              "programa), y que otros restos sean de {missing}. {relatives} "
                              "Por eso puede ser menor de lo que el LR solo haría pensar; el "
                              "motivo que dio el programa nombra la alternativa más fuerte. "
                              "Con otra probabilidad inicial el resultado sería otro; el LR "
                              "no cambia."),
        "posterior_relatives": ("También sopesa que los restos sean de un familiar no "
                                "registrado de {missing}."),
        "posterior_no_relatives": ("No sopesó que sean de un familiar no registrado de "
                                   "{missing}: la corrida trató la lista de desaparecidos como "
                                   "completa."),
        "posterior_explain_direct": ("La probabilidad final sopesa la comparación de misma "
                                     "fuente frente a que los restos sean de alguien que no "
                                     "está en el registro, con la probabilidad inicial de "
                                     "arriba. Con otra probabilidad inicial el resultado "
                                     "sería otro; el LR no cambia."),
        "recomputed_direct": ("Los LR por marcador no se guardan en el registro de casos: se "
                              "recalcularon al generar este informe, como LR de misma fuente "
                              "de los restos frente a la referencia directa, a partir de las "
                              "mismas versiones de los datos en que se basa la propuesta. Su "
                              "suma en log10 es {recomputed}; el valor guardado por la corrida "
                              "es {stored}."),
        "checks_none": ("Ningún familiar tiene ADN analizado: la identificación descansa solo "
                        "en la referencia directa."),
        "rule": "Regla de decisión aplicada",
        "rule_posterior": "probabilidad posterior conjunta",
        "rule_undisputed": "regla de dvir (indiscutida) y probabilidad posterior conjunta",
        "rule_direct reference": "referencia directa (efectos personales)",
        "rule_conditioned": "{rule}, tras condicionar a la familia en identificaciones anteriores",
        "reviews_h": "Historial de revisión",
        "no_reviews": "Todavía nadie revisó esta propuesta.",
        "col_when": "Fecha",
        "col_who": "Quién",
        "col_action": "Acción",
        "col_reason": "Motivo",
        "action_review": "revisó",
        "action_approve": "aprobó",
        "action_reject": "rechazó",
        "action_reopen": "reabrió",
        "action_supersede": "sustituida por el cuerpo completo",
        "action_flag": "marcada para nueva revisión",
        "limitations_h": "Límites de este resultado",
        "lim_pedigree": ("El cálculo supone que el árbol familiar es el declarado: si un "
                         "parentesco no es biológico (adopción, otro padre), el LR no es "
                         "válido."),
        "lim_frequencies": ("Usa la tabla de frecuencias de alelos indicada abajo; con otra "
                            "población de referencia el LR sería algo distinto."),
        "lim_mutation": ("Usa los modelos de mutación indicados abajo (procedencia); una "
                         "mutación no prevista puede bajar el LR de un marcador."),
        "lim_independence": ("Supone que los marcadores se heredan de forma independiente "
                             "(por eso se multiplican) y que no hay más parentesco entre los "
                             "fundadores del árbol que el indicado por el parámetro theta "
                             "({theta})."),
        "lim_relatives": ("Un familiar no registrado de {missing} (un hermano, el padre, un "
                          "hijo) puede tener un LR alto; el LR de este informe no lo "
                          "descarta. La probabilidad final lo considera."),
        "lim_posterior": ("La probabilidad final depende de la probabilidad inicial elegida; "
                          "el LR no."),
        "checks_h": "Comprobación de las referencias de la familia",
        "checks_intro": ("Antes de cualquier propuesta, el programa comparó entre sí cada par "
                         "de miembros de la familia con ADN analizado: el LR compara el "
                         "parentesco que declara el árbol con la explicación de que no son "
                         "parientes. Un valor muy por debajo de 1 indica una muestra "
                         "confundida (de otra persona o de otra familia) o un parentesco que "
                         "no es el biológico; un valor por encima de 1 apoya el árbol "
                         "declarado. Un par que el árbol declara no emparentado (los dos "
                         "padres, por ejemplo) no tiene LR: solo se comprueba que sus "
                         "perfiles no sean idénticos. Recalculado para este informe con las "
                         "versiones de los datos usadas."),
        "checks_flagged": ("Atención: al menos un par de miembros no concuerda con el árbol "
                           "declarado (véase la tabla). El LR de este informe supone que el "
                           "árbol es correcto: conviene confirmar esas muestras y ese "
                           "parentesco antes de aprobar la identificación."),
        "checks_single": ("Solo un miembro de la familia tiene ADN analizado: las referencias "
                          "de la familia no pueden comprobarse entre sí, y una muestra "
                          "registrada en la familia equivocada no puede detectarse desde "
                          "dentro de la familia."),
        "col_pair": "Par de miembros",
        "col_stated": "Parentesco declarado (del segundo respecto del primero)",
        "col_shared": "Marcadores en ambos",
        "col_check_lr": "LR del parentesco declarado frente a no parientes",
        "col_exclusions": "Marcadores incompatibles sin mutación",
        "col_verdict": "Resultado",
        "check_consistent": "concuerda",
        "check_weak": "no lo contradice (LR entre 1/100 y 1: el ADN no respalda el parentesco)",
        "check_questionable": "dudoso (LR por debajo de 1/100)",
        "check_contradicted": "contradice el árbol (LR por debajo de 1/1000)",
        "check_identical": "perfiles idénticos: ¿la misma persona o la misma muestra dos veces?",
        "check_no_shared": "sin marcadores en común",
        "lim_single": ("Un solo familiar (o una sola referencia) respalda este resultado: si "
                       "esa muestra estuviera confundida, nada dentro de la familia podría "
                       "mostrarlo. Una segunda referencia lo confirmaría."),
        "lim_dropout": ("Los restos degradados pueden perder alelos; el cálculo lo tiene en "
                        "cuenta con la probabilidad de pérdida indicada para cada muestra."),
        "annex_h": "Anexo: perfiles de ADN comparados",
        "annex_intro": ("Los alelos de cada marcador en los restos y en los familiares "
                        "analizados, tal como constan en las versiones de los datos usadas. "
                        "«–»: sin resultado; «?»: alelo no determinado. En los restos con "
                        "degradación, «15/15» puede querer decir que solo se vio el 15."),
        "provenance_h": "Procedencia (para auditoría)",
        "prov_software": "Versión del programa de la corrida",
        "prov_run": "Corrida (run id)",
        "prov_run_time": "Inicio y fin de la corrida",
        "prov_config": "Huella (sha256) de la configuración",
        "prov_config_json": "Configuración",
        "prov_frequencies": "Huella (sha256) de la tabla de frecuencias",
        "prov_dataset": "Archivo de datos y su huella (sha256)",
        "prov_basis": "Huella (sha256) de los datos en que se basa la propuesta",
        "prov_versions": "Versiones de datos usadas",
        "prov_lr_config": ("Huella (sha256) de la configuración de la que dependen el LR y la "
                           "probabilidad posterior"),
        "prov_report": "Informe generado con",
        "prov_method": "Método del LR por marcador",
        "prov_lineage": ("Marcadores de linaje: bases de datos, sus huellas (sha256) y método de "
                         "frecuencia"),
        "method_exact_pair": "verosimilitud exacta del par (una muestra)",
        "method_posterior_fragments": ("distribución exacta del genotipo de la persona "
                                       "desaparecida, combinada con los fragmentos"),
        "glossary_h": "Palabras técnicas",
        "g_dna": ("ADN: la información heredada que cada persona recibe mitad de su padre y "
                  "mitad de su madre."),
        "g_marker": ("Marcador: un lugar del ADN que se examina. Cada persona tiene dos "
                     "versiones (alelos) en cada marcador, una de cada progenitor."),
        "g_allele": "Alelo: cada una de las versiones de un marcador, indicada por un número.",
        "g_lr": ("LR (cociente de verosimilitud): cuántas veces más probables son los "
                 "resultados de ADN con una explicación que con la otra. Mayor que 1 apoya "
                 "la primera; menor que 1, la segunda."),
        "g_log10": ("log10 LR: el número de ceros del LR (log10 LR = 6 es un LR de "
                    "1 000 000)."),
        "g_posterior": ("Probabilidad final: la probabilidad de que los restos sean de la "
                        "persona, teniendo en cuenta el ADN y la probabilidad inicial."),
        "g_prior": ("Probabilidad inicial: la probabilidad antes de mirar el ADN, según "
                    "cuántas personas se buscan y cuántos restos hay."),
        "g_pedigree": "Árbol familiar (pedigrí): quién es hijo o hija de quién.",
        "yes": "sí",
        "no": "no",
        "dashboard_title": "Panel del programa de identificación",
        "dash_generated": "Generado el {date} por forensic_match {version}.",
        "dash_counts_h": "Propuestas por estado",
        "dash_state": "Estado",
        "dash_count": "Número",
        "dash_flagged": "marcadas para volver a revisar",
        "dash_total": "total",
        "dash_waiting_h": "Propuestas que esperan revisión",
        "dash_waiting_none": "Ninguna propuesta espera revisión.",
        "col_proposal": "Propuesta",
        "col_pm": "Restos",
        "col_family": "Familia",
        "col_missing": "Persona desaparecida",
        "col_posterior": "Probabilidad final",
        "col_state": "Estado",
        "col_flag": "Aviso",
        "dash_runs_h": "Corridas",
        "col_run": "Corrida",
        "col_status": "Estado",
        "col_started": "Inicio",
        "col_counts": "Recuentos",
        "col_warnings": "Advertencias",
        "col_kind": "Tipo",
        "col_message": "Mensaje",
        "dash_warnings_h": "Advertencias de la última corrida",
        "dash_warnings_intro": ("Corrida {run}; los mensajes están en inglés, como los da el "
                                "programa; 'forensic-match store warnings' los lista todos."),
        "dash_warnings_more": "y {n} más ('forensic-match store warnings').",
        "dash_warnings_none": "La última corrida no dio advertencias.",
        "dash_held_h": "Retenidas en la última corrida",
        "dash_held_intro": ("Corrida {run}: propuestas no hechas hasta que se revisen los "
                            "datos (el motivo está en inglés, como lo da el programa; "
                            "'forensic-match store held' las lista todas)."),
        "dash_held_family_level": "nivel de familia",
        "dash_held_more": "y {n} más ('forensic-match store held').",
        "dash_held_none": "La última corrida no retuvo ninguna propuesta.",
        "dash_family_level_h": "Ubicados a nivel de familia en la última corrida",
        "dash_family_level_intro": ("Corrida {run}: restos cuya familia es segura pero no "
                                    "quién de ella (por ejemplo, dos hermanos desaparecidos "
                                    "con las mismas referencias). No son propuestas: los "
                                    "datos ante mortem o más referencias deben decir quién "
                                    "('forensic-match store family-level' los lista todos)."),
        "dash_family_level_more": "y {n} más ('forensic-match store family-level').",
        "dash_family_level_none": "La última corrida no ubicó restos a nivel de familia.",
        "col_family_candidates": "Quién puede ser (probabilidad de cada uno)",
        "dash_lr_h": "Distribución de los LR",
        "dash_lr_intro": ("A la izquierda, el log10 LR de las propuestas según su estado; a "
                          "la derecha, el mejor candidato de cada muestra de restos en la "
                          "última corrida terminada."),
        "plot_proposals": "Propuestas",
        "plot_candidates": "Mejor candidato por muestra (corrida {run})",
        "plot_x": "log10 LR",
        "plot_y": "número",
        "dash_no_data": "Sin datos todavía.",
        "dash_pseudonymous": "Este panel muestra solo códigos, nunca nombres.",
        "lineage_h": "Marcadores de linaje: cromosoma Y y ADN mitocondrial",
        "snp_h": "SNP ligados (autosómicos densos)",
        "snp_text": ("Los SNP de {pm} se compararon con los de {refs} (la de más peso: "
                     "{reference}, {relationship}); método: {method}; F_ST {fst}; panel sha256 "
                     "{panel}. LR de los SNP: {lr} (log10 LR = {log10})."),
        "snp_combined": ("El LR de los SNP se multiplica por el LR de los marcadores STR y de "
                         "linaje ({str}); el resultado es el LR del ADN de este informe "
                         "({total}). Esto supone que los SNP y los STR se heredan de forma "
                         "independiente dadas las hipótesis (docs/linked.md)."),
        "snp_table_note": ("La tabla muestra los marcadores STR; los SNP ligados están en la "
                           "sección «SNP ligados»."),
        "lineage_intro": ("Además de los marcadores de los otros cromosomas, la corrida comparó "
                          "marcadores que pasan por una sola línea de la familia: el cromosoma "
                          "Y pasa del padre a sus hijos varones, y el ADN mitocondrial de la "
                          "madre a todos sus hijos e hijas. Los parientes de una misma línea "
                          "lo comparten, salvo cambios raros (mutaciones) de una generación a "
                          "otra."),
        "lineage_line_Y": "Cromosoma Y (línea paterna)",
        "lineage_line_mtDNA": "ADN mitocondrial (línea materna)",
        "lineage_h1": ("H1: los restos ({pm}) son de {missing}. Entre {missing} y el "
                       "familiar comparado, {reference} ({relation}), hay por esta línea "
                       "{meioses} (meiosis)."),
        "lineage_h2_Y": ("H2: los restos ({pm}) son de otro hombre de la población que "
                         "describe la base de datos «{database}», sin parentesco con "
                         "{reference} por la línea paterna."),
        "lineage_h2_mtDNA": ("H2: los restos ({pm}) son de otra persona de la población que "
                             "describe la base de datos «{database}», sin parentesco con "
                             "{reference} por la línea materna."),
        "lineage_engine_text": ("Las proposiciones tal como las registró el programa (en "
                                "inglés): «{text}»"),
        "lineage_reference": "Familiar comparado",
        "lineage_meioses": "Transmisiones (meiosis) entre ambos",
        "lineage_database": "Base de datos de la población",
        "lineage_method": "Cálculo de la frecuencia",
        "lineage_frequency": "Frecuencia en la población",
        "lineage_lr": "LR de esta línea",
        "lineage_method_count": ("conteo en la base de datos, contando también los restos: "
                                 "(x + 1) / (N + 1)"),
        "lineage_method_count_upper": ("límite superior de confianza al 95 % de la "
                                       "frecuencia en la base de datos (Clopper-Pearson)"),
        "lineage_method_kappa": ("método kappa de Brenner (para tipos no vistos en la base "
                                 "de datos)"),
        "lineage_method_disclap": ("modelo de Laplace discreto ajustado a la base de datos "
                                   "(Andersen, Eriksen y Morling 2013)"),
        "lineage_combined": ("El LR de los marcadores de linaje ({lineage}) se multiplica por "
                             "el LR de los otros marcadores ({autosomal}); el resultado es el "
                             "LR del ADN de este informe ({total}). Esto supone que los "
                             "marcadores de linaje y los otros se heredan de forma "
                             "independiente: están en el cromosoma Y, en las mitocondrias y en "
                             "los otros cromosomas, y conocer unos no dice nada de los otros "
                             "bajo ninguna de las dos explicaciones. El LR de linaje es un "
                             "factor más; no reemplaza a ninguno."),
        "lineage_kin": ("Lo que esta parte no puede decir: todos los hombres de una misma línea "
                        "paterna (padre, hijos, hermanos, tíos y primos por parte de padre, y "
                        "también hombres de esa línea que no figuran en el árbol familiar, "
                        "por ejemplo de la misma comunidad) tienen casi el mismo cromosoma Y; "
                        "y todas las personas de una misma línea materna tienen el mismo ADN "
                        "mitocondrial. Una coincidencia en estos marcadores dice que los "
                        "restos son de alguien de la línea de {missing}, no que sean "
                        "precisamente de {missing}. Solo los otros marcadores (y la otra "
                        "información) pueden "
                        "distinguir a {missing} de un pariente de su línea que no está "
                        "registrado. Por eso la probabilidad final contó a ese pariente como "
                        "una explicación posible, con el peso inicial de {kin}."),
        "lineage_table_note": ("La tabla muestra los otros marcadores; el cromosoma Y y el ADN "
                               "mitocondrial están en la sección «Marcadores de linaje»."),
        "flagged_rejected_on": ("Atención: esta propuesta se rechazó mientras estaba marcada "
                                "para una nueva revisión ({reason}): sus datos habían sido "
                                "retirados o reemplazados."),
        "flagged_rejected_after": ("Después de su rechazo, esta propuesta fue marcada para una "
                                   "nueva revisión ({reason}). El rechazo sigue en pie: fue "
                                   "una decisión del equipo responsable, no una consecuencia "
                                   "de esa marca."),
        "rejected_before_flag": ("Una propuesta anterior para la misma persona desaparecida "
                                 "fue rechazada mientras estaba marcada para una nueva "
                                 "revisión ({flag}): n.º {id} (restos {pm}), el {date}: "
                                 "«{reason}»."),
        "dash_rejected_before": ("Rechazada antes: la propuesta n.º {id} de la misma persona, "
                                 "el {date} (ver su informe)."),
        "dash_rejected_before_flag": ("Rechazada antes: la propuesta n.º {id} de la misma "
                                      "persona, el {date}, mientras estaba marcada para una "
                                      "nueva revisión (ver su informe)."),
        "col_dna_lr": "LR del ADN",
        "dash_lr_note": ("«LR del ADN» es el LR que da el informe de cada propuesta (con los "
                         "marcadores de linaje y los SNP cuando la corrida los usó). Cuando "
                         "la corrida pesó también la otra información (no genética), «LR "
                         "combinado» es el producto de los dos: el que usó la decisión."),
        "run_status_running": "en curso",
        "run_status_finished": "terminada",
        "run_status_failed": "fallida",
        "relation_unrelated": "sin parentesco declarado",
        "mutation_rate": "tasa",
        "mutation_range": "rango",
        "mutation_rate2": "tasa2",
        "mutation_equal": "igual para todo alelo",
        "mutation_proportional": "proporcional a la frecuencia",
        "mutation_stepwise": "por pasos",
        "mutation_onestep": "de un paso",
        "mutation_custom": "matriz propia",
        "lineage_prov_db": "{line}: {name} ({n} {what}, método de frecuencia «{method}»)",
        "lineage_prov_haplotypes": "haplotipos",
        "lineage_prov_mitotypes": "mitotipos",
        "lineage_prov_panel": "panel Y-STR ({n} loci, tasas de mutación)",
        "n_steps_one": "{n} paso de padre o madre a hijo",
        "n_steps": "{n} pasos de padre o madre a hijo",
        "n_missing_one": "{n} persona desaparecida",
        "n_missing": "{n} personas desaparecidas",
        "n_snp_refs_one": "{n} referencia de la familia tipificada en SNP",
        "n_snp_refs": "{n} referencias de la familia tipificadas en SNP",
        "lim_lineage": ("Los marcadores de linaje no distinguen a {missing} de un pariente de "
                        "su misma línea paterna o materna (ver «Marcadores de linaje»)."),
    },
    "en": {
        "lang_name": "English",
        "report_title": "Genetic identification report",
        "proposal_n": "Proposal no. {id}",
        "page_head": "Proposal no. {id} · family {family} · run {run}",
        "page_foot": "Genetic identification report · {date}",
        "page_of": "page {page} of {pages}",
        "generated": "Report generated on {date} by forensic_match {version}.",
        "state_pending": "pending review",
        "state_reviewed": "reviewed, awaiting approval",
        "state_approved": "approved",
        "state_rejected": "rejected",
        "state_superseded": "superseded by the proposal of the whole body",
        "state_line": "State of the proposal: {state}.",
        "closed_caution": ("Note: the run treated the list of missing persons as complete, "
                           "but the DNA of the remains (STR markers) fits an unregistered "
                           "relative of {missing} {ratio} times as well as {missing}: "
                           "{relatives}. The remains may be that relative's. Before this "
                           "proposal is approved, unregistered relatives must be weighed (a "
                           "run that considers them)."),
        "closed_caution_approved": (
            "Note: the run treated the list of missing persons as complete, but the DNA of "
            "the remains (STR markers) fits an unregistered relative of {missing} {ratio} "
            "times as well as {missing}: {relatives}. The remains may be that relative's. "
            "This proposal was approved despite this caution (the history says by whom and "
            "why)."),
        "summary_closed_caution": ("But that probability assumes that no unregistered "
                                   "relative of {missing} is among the remains, and the DNA "
                                   "does not support it: an unregistered relative ({who}) "
                                   "fits {ratio} times as well. This identification "
                                   "is therefore not certain."),
        "lim_relatives_closed_found": ("An unregistered relative of {missing} fits the "
                                       "remains {ratio} times as well as {missing} (STR "
                                       "markers): {relatives}. The run did not weigh that "
                                       "possibility (the list of missing persons was treated "
                                       "as complete), so neither the LR nor the final "
                                       "probability of this report rules it out."),
        "dash_closed_caution": ("Closed list: an unregistered relative fits the remains "
                                "better: {relatives}; weigh it before approving."),
        "not_approved": ("Note: this proposal has not yet been approved by the responsible "
                         "team. It is not a final identification."),
        "flagged": ("Note: this proposal was flagged for review again ({reason}); it "
                    "must be reviewed again before any decision."),
        "decided_over_flag": ("Note: this proposal was flagged for review again on {at} "
                              "({reason}) and then decided again by the responsible team. The "
                              "figures of this report are those of the run that made it "
                              "({run}); a later run may weigh it otherwise."),
        "rejected": ("Note: the responsible team rejected this proposal. It is not an "
                     "identification."),
        "newest_other": ("The newest run ({run}, {date}), on the newest data, no longer "
                         "proposes this pair: it proposes these remains as {missing} of "
                         "family {family} (proposal no. {id})."),
        "newest_family_level": ("The newest run ({run}, {date}), on the newest data, no longer "
                                "proposes this pair: it places these remains in family "
                                "{family} (probability {posterior}) without saying who in it "
                                "they are: {candidates}."),
        "newest_held": ("The newest run ({run}, {date}), on the newest data, held back a pair "
                        "of these remains with family {family}: {reason}."),
        "newer": ("There is a later proposal for the same missing person: no. {id} (remains "
                  "{pm}; {state})."),
        "superseded": ("Note: this proposal identified part of a body. It was superseded by "
                       "proposal no. {id} (remains {pm}), approved, which identifies the whole "
                       "body as the same person. This is not the identification in force."),
        "superseded_gone": ("Note: this proposal identified part of a body and was superseded "
                            "by the proposal of the same person's whole body, which is no "
                            "longer approved (see the review history). This is not the "
                            "identification in force."),
        "body_supersedes": ("The same missing person is already identified with the remains "
                            "{pm}, part of this body (proposal no. {id}, approved). Approving "
                            "this proposal, of the whole body, supersedes that one."),
        "body_larger": ("Proposal no. {id} (remains {pm}; {state}) proposes the whole body of "
                        "which these remains are part. Approving it supersedes this proposal."),
        "body_blocked_person": ("Note: the same missing person is already identified with the "
                                "remains {pm} (proposal no. {id}, approved). One person is one "
                                "body: this proposal cannot be approved until one of the two "
                                "is reopened."),
        "body_blocked_body": ("Note: the remains {sample} are already identified as {missing} "
                              "of family {family} (proposal no. {id}, approved). One body is "
                              "one person: this proposal cannot be approved until one of the "
                              "two is reopened."),
        "rejected_before": ("An earlier proposal for the same missing person was rejected: "
                            "no. {id} (remains {pm}), on {date}: \u201c{reason}\u201d."),
        "summary_compared_one": ("The DNA of the remains {pm} was compared with the DNA of one "
                                 "relative of the missing person {missing} (family "
                                 "{family})."),
        "summary_compared_direct": ("The DNA of the remains {pm} was compared with the DNA of "
                                    "a direct reference of the missing person {missing} "
                                    "(family {family}): a personal item or a sample taken in "
                                    "life."),
        "summary_times_direct": ("These DNA results are {lr} times more probable if the "
                                 "remains and the reference come from the same person than "
                                 "if they come from two unrelated persons."),
        "h1_direct": ("H1: the remains ({pm}) and the direct reference of {missing} (family "
                      "{family}) come from the same person, {missing}."),
        "h2_direct": ("H2: the remains ({pm}) are those of another person, unrelated to "
                      "{missing}, taken at random from the population that the frequency "
                      "table describes."),
        "alternatives_note_closed": ("The final probability (below) also weighed other "
                                     "remains and other missing persons, but NOT unregistered "
                                     "relatives of {missing}: the run treated the list of "
                                     "missing persons as complete (weight of unregistered "
                                     "relatives: {weight}). The reason the software gave: "
                                     "\u201c{reason}\u201d"),
        "alternatives_note_direct": ("The final probability (below) weighed this comparison "
                                     "against the remains being those of someone not in the "
                                     "register. The reason the software gave: "
                                     "\u201c{reason}\u201d"),
        "lim_relatives_closed": ("An unregistered relative of {missing} (a brother, the "
                                 "father, a son) can have an LR as high as this report's; "
                                 "the run did not weigh that possibility (the list of missing "
                                 "persons was treated as complete), so neither the LR nor the "
                                 "final probability rules one out."),
        "lim_direct": ("The reference is assumed to carry the DNA of {missing} only: an item "
                       "also used by someone else, or a sample mixed up or contaminated, would "
                       "make the comparison point to another person. An identical twin of "
                       "{missing} has the same DNA: the comparison cannot tell them apart."),
        "col_reference": "Direct reference of {missing}",
        "prov_table": "Allele frequency table",
        "prov_table_dataset": "the run's dataset's own table ({path})",
        "prov_mutation": "Mutation models (♀ maternal, ♂ paternal transmissions)",
        "prov_mutation_none": "none (Mendelian inheritance without mutation)",
        "method_same_source_theta": ("same-source LR (remains against the direct reference, "
                                     "frequencies with the subpopulation correction theta, "
                                     "allele loss in the remains)"),
        "lim_theta_direct": ("It assumes no more relatedness between the missing person and "
                             "others of the population than the theta parameter states "
                             "({theta})."),
        "method_same_source": ("same-source LR (remains against the direct reference, "
                               "Hardy-Weinberg frequencies, allele loss in the remains)"),
        "evidence_intro_used": ("Data recorded about the missing person (before the "
                                "disappearance) and about the remains (after recovery). The "
                                "run weighed them: the final probability rests on the DNA LR "
                                "times the LR of this information (below)."),
        "summary_h": "Summary in plain words",
        "summary_compared": ("The DNA of the remains {pm} was compared with the DNA of {n} "
                             "relatives of the missing person {missing} (family {family})."),
        "summary_times": ("These DNA results are {lr} times more probable if the remains are "
                          "those of {missing} than if they are those of a person unrelated to "
                          "the family."),
        "summary_times_against": ("These DNA results are {lr} times more probable if the "
                                  "remains are those of a person unrelated to the family than "
                                  "if they are those of {missing}."),
        "summary_verbal": ("On the scale of the European Network of Forensic Science "
                           "Institutes (ENFSI, 2015) this is {level} for the first "
                           "explanation over the second."),
        "summary_verbal_against": ("On the scale of the European Network of Forensic Science "
                                   "Institutes (ENFSI, 2015) this is {level} for the second "
                                   "explanation over the first."),
        "summary_neutral": "The DNA results support neither explanation over the other.",
        "summary_lr_means": ("This number is not the probability that the remains are those "
                             "of {missing}: it says how much more expected the DNA results "
                             "are under one explanation than under the other."),
        "summary_posterior": ("Weighing this result against all the other explanations "
                              "at once (see \u201cFinal probability\u201d), the computed "
                              "probability that the remains are those of {missing} is "
                              "{posterior}."),
        "summary_posterior_evidence": ("Multiplying it by the weight of the other "
                                       "(non-genetic) information (LR {evidence}) and "
                                       "weighing the result against all the other "
                                       "explanations at once (see \u201cFinal "
                                       "probability\u201d), the computed probability that "
                                       "the remains are those of {missing} is {posterior}."),
        "level_neutral": "no support",
        "level_weak": "weak or limited support",
        "level_moderate": "moderate support",
        "level_moderately_strong": "moderately strong support",
        "level_strong": "strong support",
        "level_very_strong": "very strong support",
        "level_extremely_strong": "extremely strong support",
        "propositions_h": "The two explanations compared (propositions)",
        "propositions_intro": ("A DNA result only has meaning against two possible "
                               "explanations. The calculation compares these two:"),
        "h1": ("H1: the remains ({pm}) are those of {missing}, the missing person of family "
               "{family}, related to the typed relatives as the family tree of this report "
               "shows."),
        "h2": ("H2: the remains ({pm}) are those of another person, unrelated to family "
               "{family}, taken at random from the population that the frequency table "
               "describes."),
        "alternatives_note": ("The final probability (below) also weighed other "
                              "explanations: other remains, other missing persons, and "
                              "unregistered relatives of {missing} (a brother, for example). "
                              "The reason the software gave: \u201c{reason}\u201d"),
        "results_h": "DNA result",
        "lr_total": "Total likelihood ratio (LR)",
        "lr_total_value": "LR = {lr} (log10 LR = {log10})",
        "verbal": "Verbal equivalent (ENFSI 2015)",
        "markers_compared": "Markers compared",
        "table_h": "LR per marker",
        "table_intro": ("Each marker is one place in the DNA that was examined. The total LR "
                        "is the product of the markers' LRs, because markers are inherited "
                        "independently. In the remains, a single number means that only that "
                        "allele was seen (the other may have been lost to degradation); “+” "
                        "separates what different fragments showed."),
        "col_marker": "Marker",
        "col_observed": "Alleles seen in the remains",
        "col_lr": "LR",
        "col_log10": "log10 LR",
        "not_typed": "no result (LR 1)",
        "recomputed": ("The case store does not keep per-marker LRs: they were recomputed "
                       "when this report was made, with the exact engine (likelihood of the "
                       "whole family tree), from the same data versions the proposal rests "
                       "on. Their log10 sum is {recomputed}; the value stored by the run is "
                       "{stored}."),
        "recompute_differs": ("Note: the recomputed total differs from the stored one by "
                              "{diff} (in log10). The LR the proposal rests on is the stored "
                              "one; the difference must be examined."),
        "recompute_conditioned": ("The stored LR was computed on the family extended by other "
                                  "remains already identified in it (rule “after "
                                  "conditioning”); the per-marker LRs were recomputed on "
                                  "the family as declared, so the totals may differ."),
        "conditioning_item": "remains {pm} as {missing} (proposal no. {id}, {state})",
        "conditioning_state_flagged": "{state}, flagged for re-review",
        "conditioning_open": ("This proposal's LR rests on other proposals that are not "
                              "approved: {items}. It cannot be approved before them; if one "
                              "is rejected, this LR rests on remains the review did not "
                              "accept as that person."),
        "summary_conditioned": ("The comparison also included, as members of the family, "
                                "remains already proposed as other missing persons of it: "
                                "{items}. The LR below rests on those remains being those "
                                "persons."),
        "summary_conditioned_unrecorded": ("The comparison also included, as members of the "
                                           "family, remains already identified as other "
                                           "missing persons of it; which ones was not "
                                           "recorded (the proposal is older than the case "
                                           "store's record of them). The LR below rests on "
                                           "those identifications."),
        "propositions_conditioned": ("In H1 and in H2 the family also includes, as typed "
                                     "members, {items}."),
        "conditioning_h": "Identifications this LR rests on",
        "conditioning_intro": ("The run computed the stored LR with these remains as typed "
                               "members of the family, identified earlier in the same run. If "
                               "one of them is not the person stated, that LR does not hold: "
                               "on the family as declared, the table above sums to "
                               "{recomputed} in log10, against {stored} stored."),
        "col_taken_as": "Taken as",
        "col_proposal_lr": "log10 LR of that proposal",
        "recompute_missing": ("The per-marker LRs could not be recomputed ({note}); the "
                              "report shows only the stored total LR."),
        "pedigree_h": "Family tree",
        "pedigree_intro": ("The drawing shows the family as declared. Squares are men, "
                           "circles women, diamonds persons whose sex was not recorded. "
                           "Filled shapes are relatives whose DNA was analysed."),
        "legend_male": "man",
        "legend_female": "woman",
        "legend_unknown": "sex not recorded",
        "legend_typed": "DNA analysed",
        "legend_missing": "missing person sought",
        "legend_pm": "remains compared",
        "persons_h": "Persons in the tree",
        "col_person": "Person",
        "col_relation": "Relationship to {missing}",
        "col_sex": "Sex",
        "col_role": "Role",
        "col_markers": "Markers with a result",
        "sex_M": "man",
        "sex_F": "woman",
        "sex_U": "not recorded",
        "role_missing": "missing person (the one sought)",
        "role_missing_other": "another missing person of the family",
        "role_typed": "relative with DNA analysed",
        "role_untyped": "no DNA (only links the tree)",
        "names_hidden": ("This report uses codes instead of names. Names are included only "
                         "when explicitly asked for."),
        "names_shown": ("This report includes names and personal data on explicit request: "
                        "treat it as a confidential document."),
        "evidence_h": "Other information (not genetic)",
        "am_hidden": ("The record of {missing} has {n} more fields of no known name, which "
                      "this codes-only report does not show (they may hold personal data; a "
                      "report with names, --identities, shows them)."),
        "am_hidden_one": ("The record of {missing} has one more field of no known name, "
                          "which this codes-only report does not show (it may hold personal "
                          "data; a report with names, --identities, shows it)."),
        "evidence_intro": ("Data recorded about the missing person (before the "
                           "disappearance) and about the remains (after recovery). They are "
                           "shown for information; the LR of this report is DNA only."),
        "evidence_lr_h": "Weight of the other information",
        "evidence_lr_intro": ("The run also computed how much more probable these data (sex, "
                              "age, stature, teeth, distinctive features) are if the remains "
                              "are {missing} than if they are someone else. It is taken as "
                              "independent of the DNA, and the two numbers are multiplied."),
        "evidence_lr": "LR of the other information",
        "evidence_lr_not_weighed": "not weighed",
        "summary_posterior_no_evidence": ("No other (non-genetic) information was weighed: "
                                          "{why}. Weighing the DNA result against all the "
                                          "other explanations at once (see \u201cFinal "
                                          "probability\u201d), the computed probability that "
                                          "the remains are those of {missing} is {posterior}."),
        "evidence_intro_not_weighed": ("Data recorded about the missing person (before the "
                                       "disappearance) and about the remains (after "
                                       "recovery). The run weighs this information, but not "
                                       "in this proposal: {why}. The final probability rests "
                                       "on the DNA alone."),
        "evidence_not_weighed_direct": "it is not applied to a comparison with a direct reference",
        "evidence_not_weighed_none": ("no item recorded for {missing} could be compared with "
                                      "the remains"),
        "evidence_not_weighed_no_record": "{missing} has no ante-mortem record",
        "evidence_pieces": "Each item (LR)",
        "combined_lr": "Combined LR (DNA × other information)",
        "place_prior": ("Place-and-date factor (a prior probability, not an LR: it weighed "
                        "in the decision, not in the LR)"),
        "am_h": "Missing person {missing}",
        "pm_h": "Remains {pm}",
        "col_field": "Item",
        "col_value": "Value",
        "field_sex": "sex",
        "field_site": "site of recovery",
        "field_dropout": "probability of allele loss (degradation)",
        "posterior_h": "Final probability and starting probability",
        "posterior_value": "Final probability (posterior) that the remains are those of {missing}",
        "prior_value": ("Starting probability (prior) that a body is one of the registered "
                        "missing persons (any of them, not this one in particular)"),
        "prior_unknown": "not stated by the software for this proposal",
        "posterior_explain": ("The final probability does not follow from the LR and the "
                              "starting probability alone: the software weighs this "
                              "explanation against all the others at once: that the remains "
                              "are those of another registered person or of someone not in "
                              "the register (with the starting probability above, set before "
                              "looking at the DNA from the numbers of missing persons and of "
                              "remains in the programme), and that other remains are those of "
                              "{missing}. {relatives} So it can be lower than the LR alone "
                              "would suggest; the reason the software gave names the "
                              "strongest alternative. A different starting probability gives "
                              "a different result; the LR does not change."),
        "posterior_relatives": ("It also weighs that the remains are those of an "
                                "unregistered relative of {missing}."),
        "posterior_no_relatives": ("It did not weigh that they are those of an unregistered "
                                   "relative of {missing}: the run treated the list of missing "
                                   "persons as complete."),
        "posterior_explain_direct": ("The final probability weighs the same-source comparison "
                                     "against the remains being those of someone not in the "
                                     "register, with the starting probability above. A "
                                     "different starting probability gives a different "
                                     "result; the LR does not change."),
        "recomputed_direct": ("The case store does not keep per-marker LRs: they were "
                              "recomputed when this report was made, as the same-source LR of "
                              "the remains against the direct reference, from the same data "
                              "versions the proposal rests on. Their log10 sum is "
                              "{recomputed}; the value stored by the run is {stored}."),
        "checks_none": ("No relative of the family has DNA analysed: the identification rests "
                        "on the direct reference alone."),
        "rule": "Decision rule applied",
        "rule_posterior": "joint posterior probability",
        "rule_undisputed": "dvir's undisputed rule and the joint posterior probability",
        "rule_direct reference": "direct reference (personal effects)",
        "rule_conditioned": "{rule}, after conditioning the family on earlier identifications",
        "reviews_h": "Review history",
        "no_reviews": "Nobody has reviewed this proposal yet.",
        "col_when": "Date",
        "col_who": "Who",
        "col_action": "Action",
        "col_reason": "Reason",
        "action_review": "reviewed",
        "action_approve": "approved",
        "action_reject": "rejected",
        "action_reopen": "reopened",
        "action_supersede": "superseded by the whole body",
        "action_flag": "flagged for review again",
        "limitations_h": "Limits of this result",
        "lim_pedigree": ("The calculation assumes the family tree as declared: if a "
                         "relationship is not biological (adoption, another father), the LR "
                         "is not valid."),
        "lim_frequencies": ("It uses the allele frequency table named below; with another "
                            "reference population the LR would be somewhat different."),
        "lim_mutation": ("It uses the mutation models named below (provenance); an "
                         "unforeseen mutation can lower a marker's LR."),
        "lim_independence": ("It assumes that markers are inherited independently (so they "
                             "multiply) and no more relatedness among the tree's founders "
                             "than the theta parameter states ({theta})."),
        "lim_relatives": ("An unregistered relative of {missing} (a brother, the father, a "
                          "son) can have a high LR; the LR of this report does not rule one "
                          "out. The final probability weighs it."),
        "lim_posterior": "The final probability depends on the chosen prior; the LR does not.",
        "checks_h": "Checks of the family's references",
        "checks_intro": ("Before any proposal, the software compared every pair of the "
                         "family's members with DNA analysed: the LR compares the "
                         "relationship the family tree states with the explanation that they "
                         "are not related. A value far below 1 points to a sample mix-up "
                         "(another person's, or another family's) or to a relationship that "
                         "is not the biological one; a value above 1 supports the stated "
                         "tree. A pair the tree states as unrelated (the two parents, for "
                         "instance) has no LR: it is only checked for identical profiles. "
                         "Recomputed for this report from the data versions used."),
        "checks_flagged": ("Caution: at least one pair of members does not agree with the "
                           "stated tree (see the table). This report's LR assumes that the "
                           "tree is right: confirm those samples and that relationship before "
                           "approving the identification."),
        "checks_single": ("Only one member of the family has DNA analysed: the family's "
                          "references cannot be checked against each other, and a sample "
                          "filed under the wrong family cannot be seen from within it."),
        "col_pair": "Pair of members",
        "col_stated": "Stated relationship (of the second to the first)",
        "col_shared": "Markers both have",
        "col_check_lr": "LR of the stated relationship against unrelated",
        "col_exclusions": "Markers incompatible without mutation",
        "col_verdict": "Result",
        "check_consistent": "agrees",
        "check_weak": ("does not contradict it (LR between 1/100 and 1: the DNA does not "
                       "support the relationship)"),
        "check_questionable": "questionable (LR below 1/100)",
        "check_contradicted": "contradicts the tree (LR below 1/1000)",
        "check_identical": "identical profiles: the same person or sample twice?",
        "check_no_shared": "no markers in common",
        "lim_single": ("A single relative (or a single reference) supports this result: if "
                       "that sample were mixed up, nothing within the family could show it. "
                       "A second reference would confirm it."),
        "lim_dropout": ("Degraded remains can lose alleles; the calculation allows for it "
                        "with each sample's stated probability of allele loss."),
        "annex_h": "Annex: DNA profiles compared",
        "annex_intro": ("The alleles at each marker in the remains and in the typed "
                        "relatives, as recorded in the data versions used. “–”: no "
                        "result; “?”: allele not determined. In degraded remains, "
                        "“15/15” can mean that only 15 was seen."),
        "provenance_h": "Provenance (for audit)",
        "prov_software": "Software version of the run",
        "prov_run": "Run id",
        "prov_run_time": "Start and end of the run",
        "prov_config": "Configuration hash (sha256)",
        "prov_config_json": "Configuration",
        "prov_frequencies": "Frequency table hash (sha256)",
        "prov_dataset": "Data file and its hash (sha256)",
        "prov_basis": "Hash (sha256) of the data the proposal rests on",
        "prov_versions": "Data versions used",
        "prov_lr_config": "Hash (sha256) of the configuration the LR and posterior depend on",
        "prov_report": "Report made with",
        "prov_method": "Method of the per-marker LR",
        "prov_lineage": "Lineage markers: databases, their hashes (sha256) and frequency method",
        "method_exact_pair": "exact pairwise likelihood (one sample)",
        "method_posterior_fragments": ("exact genotype distribution of the missing person, "
                                       "combined with the fragments"),
        "glossary_h": "Technical words",
        "g_dna": ("DNA: the inherited information each person receives, half from the father "
                  "and half from the mother."),
        "g_marker": ("Marker: one place in the DNA that is examined. Everyone has two "
                     "versions (alleles) at each marker, one from each parent."),
        "g_allele": "Allele: one of the versions of a marker, written as a number.",
        "g_lr": ("LR (likelihood ratio): how many times more probable the DNA results are "
                 "under one explanation than under the other. Above 1 supports the first; "
                 "below 1, the second."),
        "g_log10": "log10 LR: the number of zeros of the LR (log10 LR = 6 is an LR of 1,000,000).",
        "g_posterior": ("Final probability: the probability that the remains are those of the "
                        "person, given the DNA and the starting probability."),
        "g_prior": ("Starting probability: the probability before looking at the DNA, from "
                    "how many persons are sought and how many remains there are."),
        "g_pedigree": "Family tree (pedigree): who is the son or daughter of whom.",
        "yes": "yes",
        "no": "no",
        "dashboard_title": "Identification programme dashboard",
        "dash_generated": "Generated on {date} by forensic_match {version}.",
        "dash_counts_h": "Proposals by state",
        "dash_state": "State",
        "dash_count": "Count",
        "dash_flagged": "flagged for re-review",
        "dash_total": "total",
        "dash_waiting_h": "Proposals waiting for review",
        "dash_waiting_none": "No proposal is waiting for review.",
        "col_proposal": "Proposal",
        "col_pm": "Remains",
        "col_family": "Family",
        "col_missing": "Missing person",
        "col_posterior": "Final probability",
        "col_state": "State",
        "col_flag": "Warning",
        "dash_runs_h": "Runs",
        "col_run": "Run",
        "col_status": "Status",
        "col_started": "Started",
        "col_counts": "Counts",
        "col_warnings": "Warnings",
        "col_kind": "Kind",
        "col_message": "Message",
        "dash_warnings_h": "Warnings of the last run",
        "dash_warnings_intro": "Run {run}; 'forensic-match store warnings' lists them all.",
        "dash_warnings_more": "and {n} more ('forensic-match store warnings').",
        "dash_warnings_none": "The last run gave no warnings.",
        "dash_held_h": "Held back by the last run",
        "dash_held_intro": ("Run {run}: proposals not made until the data are looked at "
                            "('forensic-match store held' lists them all)."),
        "dash_held_family_level": "family level",
        "dash_held_more": "and {n} more ('forensic-match store held').",
        "dash_held_none": "The last run held nothing back.",
        "dash_family_level_h": "Placed at family level by the last run",
        "dash_family_level_intro": ("Run {run}: remains whose family is certain but not who "
                                    "in it (two missing brothers with the same references, "
                                    "for instance). Not proposals: antemortem data or more "
                                    "references must say who ('forensic-match store "
                                    "family-level' lists them all)."),
        "dash_family_level_more": "and {n} more ('forensic-match store family-level').",
        "dash_family_level_none": "The last run placed no remains at family level.",
        "col_family_candidates": "Who it can be (each one's probability)",
        "dash_lr_h": "Distribution of the LRs",
        "dash_lr_intro": ("Left, the log10 LR of the proposals by state; right, the best "
                          "candidate of every PM sample in the last finished run."),
        "plot_proposals": "Proposals",
        "plot_candidates": "Best candidate per sample (run {run})",
        "plot_x": "log10 LR",
        "plot_y": "count",
        "dash_no_data": "No data yet.",
        "dash_pseudonymous": "This dashboard shows codes only, never names.",
        "lineage_h": "Lineage markers: Y chromosome and mitochondrial DNA",
        "snp_h": "Linked SNPs (dense autosomal)",
        "snp_text": ("The SNPs of {pm} were compared with those of {refs} of the family "
                     "(weighing most: {reference}, {relationship}); method: "
                     "{method}; F_ST {fst}; panel sha256 {panel}. SNP LR: {lr} "
                     "(log10 LR = {log10})."),
        "snp_combined": ("The SNP LR is multiplied by the LR of the STR and lineage markers "
                         "({str}); the result is this report's DNA LR ({total}). This assumes "
                         "that SNPs and STRs are inherited independently given the "
                         "hypotheses (docs/linked.md)."),
        "snp_table_note": ("The table shows the STR markers; the linked SNPs are in the "
                           "section “Linked SNPs”."),
        "lineage_intro": ("Besides the markers of the other chromosomes, the run compared "
                          "markers that pass down one line of the family only: the Y "
                          "chromosome passes from a father to his sons, and mitochondrial DNA "
                          "from a mother to all her children. Relatives on the same line share "
                          "them, apart from rare changes (mutations) from one generation to "
                          "the next."),
        "lineage_line_Y": "Y chromosome (paternal line)",
        "lineage_line_mtDNA": "mitochondrial DNA (maternal line)",
        "lineage_h1": ("H1: the remains ({pm}) are those of {missing}. Between {missing} and "
                       "the relative compared, {reference} ({relation}), this line counts "
                       "{meioses} (meioses)."),
        "lineage_h2_Y": ("H2: the remains ({pm}) are those of another man of the population "
                         "that database “{database}” describes, not related to "
                         "{reference} through the paternal line."),
        "lineage_h2_mtDNA": ("H2: the remains ({pm}) are those of another person of the "
                             "population that database “{database}” describes, not "
                             "related to {reference} through the maternal line."),
        "lineage_engine_text": ("The propositions as the software recorded them: "
                                "“{text}”"),
        "lineage_reference": "Relative compared",
        "lineage_meioses": "Transmissions (meioses) between them",
        "lineage_database": "Population database",
        "lineage_method": "Frequency estimate",
        "lineage_frequency": "Frequency in the population",
        "lineage_lr": "LR of this line",
        "lineage_method_count": ("counting in the database, the remains counted too: "
                                 "(x + 1) / (N + 1)"),
        "lineage_method_count_upper": ("95 % upper confidence bound of the frequency in the "
                                       "database (Clopper-Pearson)"),
        "lineage_method_kappa": "Brenner's kappa method (for types not seen in the database)",
        "lineage_method_disclap": ("discrete Laplace model fitted to the database (Andersen, "
                                   "Eriksen & Morling 2013)"),
        "lineage_combined": ("The LR of the lineage markers ({lineage}) is multiplied by the LR "
                             "of the other markers ({autosomal}); the result is this report's "
                             "DNA LR ({total}). This assumes that lineage markers and the other "
                             "markers are inherited independently: they lie on the Y "
                             "chromosome, in the mitochondria and on the other chromosomes, "
                             "and under either explanation knowing one says nothing about the "
                             "others. The lineage LR is one more factor; it replaces none of "
                             "them."),
        "lineage_kin": ("What this part cannot tell: all men of one paternal line (father, "
                        "sons, brothers, paternal uncles and cousins, and also men of that "
                        "line who are not in the family tree, for example from the same "
                        "community) carry nearly the same Y chromosome; and all people of one "
                        "maternal line carry the same mitochondrial DNA. A match on these "
                        "markers says that the remains are those of someone of the line of "
                        "{missing}, not that they are those of {missing} in particular. Only "
                        "the other markers (and the "
                        "other information) can tell {missing} from an unregistered relative "
                        "of the same line. This is why the final probability counted such a "
                        "relative as a possible explanation, with the starting weight of {kin}."),
        "lineage_table_note": ("The table shows the other markers; the Y chromosome and "
                               "mitochondrial DNA are in the section “Lineage "
                               "markers”."),
        "flagged_rejected_on": ("Note: this proposal was rejected while it was flagged for "
                                "review again ({reason}): its data had been withdrawn or "
                                "replaced."),
        "flagged_rejected_after": ("After its rejection, this proposal was flagged for review "
                                   "again ({reason}). The rejection stands: it was the "
                                   "responsible team's decision, not a consequence of that "
                                   "flag."),
        "rejected_before_flag": ("An earlier proposal for the same missing person was rejected "
                                 "while it was flagged for review again ({flag}): no. {id} "
                                 "(remains {pm}), on {date}: \u201c{reason}\u201d."),
        "dash_rejected_before": ("Rejected before: proposal no. {id} of the same person, on "
                                 "{date} (see its report)."),
        "dash_rejected_before_flag": ("Rejected before: proposal no. {id} of the same person, "
                                      "on {date}, while it was flagged for review again (see "
                                      "its report)."),
        "col_dna_lr": "DNA LR",
        "dash_lr_note": ("\u201cDNA LR\u201d is the LR each proposal's report gives (with "
                         "the lineage markers and SNPs when the run used them). When the run "
                         "also weighed the other information (not genetic), \u201ccombined "
                         "LR\u201d is the product of the two: the one the decision used."),
        "run_status_running": "running",
        "run_status_finished": "finished",
        "run_status_failed": "failed",
        "relation_unrelated": "unrelated (declared)",
        "mutation_rate": "rate",
        "mutation_range": "range",
        "mutation_rate2": "rate2",
        "mutation_equal": "equal",
        "mutation_proportional": "proportional",
        "mutation_stepwise": "stepwise",
        "mutation_onestep": "onestep",
        "mutation_custom": "custom matrix",
        "lineage_prov_db": "{line}: {name} ({n} {what}, {method})",
        "lineage_prov_haplotypes": "haplotypes",
        "lineage_prov_mitotypes": "mitotypes",
        "lineage_prov_panel": "Y-STR panel ({n} loci, rates)",
        "n_steps_one": "{n} parent-to-child step",
        "n_steps": "{n} parent-to-child steps",
        "n_missing_one": "{n} missing person",
        "n_missing": "{n} missing persons",
        "n_snp_refs_one": "{n} SNP-typed reference",
        "n_snp_refs": "{n} SNP-typed references",
        "lim_lineage": ("Lineage markers do not tell {missing} from a relative of the same "
                        "paternal or maternal line (see “Lineage markers”)."),
    },
}

#: Names of the recorded non-DNA fields (``docs/evidence.md``, "Records"); other keys are
#: shown as recorded.
FIELDS: dict[str, dict[str, str]] = {
    "es": {"sex": "sexo", "age": "edad al desaparecer (años)",
           "date_missing": "fecha de desaparición", "place_missing": "lugar de desaparición",
           "stature_cm": "estatura (cm)", "stature_sd": "desviación de la estatura (cm)",
           "dental": "ficha dental", "dental_date": "fecha de la ficha dental",
           "features": "rasgos particulares", "features_absent": "rasgos buscados y ausentes",
           "implants": "implantes", "effects": "objetos personales",
           "dna_sex": "sexo por ADN", "sex_morphology": "sexo por antropología",
           "age_min": "edad mínima estimada", "age_max": "edad máxima estimada",
           "age_coverage": "probabilidad de que la edad esté en el intervalo",
           "age_estimate": "edad estimada", "age_se": "error de la edad estimada",
           "date_recovered": "fecha de recuperación", "district": "distrito",
           "site": "lugar de hallazgo"},
    "en": {"sex": "sex", "age": "age at disappearance (years)",
           "date_missing": "date of disappearance", "place_missing": "place of disappearance",
           "stature_cm": "stature (cm)", "stature_sd": "stature standard deviation (cm)",
           "dental": "dental chart", "dental_date": "date of the dental chart",
           "features": "distinctive features", "features_absent": "features looked for, absent",
           "implants": "implants", "effects": "personal effects",
           "dna_sex": "sex from DNA", "sex_morphology": "sex from anthropology",
           "age_min": "estimated minimum age", "age_max": "estimated maximum age",
           "age_coverage": "probability that the age lies in the interval",
           "age_estimate": "estimated age", "age_se": "standard error of the estimated age",
           "date_recovered": "date of recovery", "district": "district",
           "site": "site of recovery"},
}


#: The counts a run records (``runs.counts``), named on the dashboard; a count of no name
#: here is shown by its key.
RUN_COUNTS: dict[str, dict[str, str]] = {
    "es": {"families": "familias", "pm_samples": "muestras de restos",
           "new_versions": "versiones nuevas de datos", "candidates": "candidatos",
           "candidates_new": "candidatos nuevos", "candidates_stronger": "candidatos más fuertes",
           "candidates_weaker": "candidatos más débiles",
           "candidates_withdrawn": "candidatos retirados",
           "identifications": "identificaciones", "new_proposals": "propuestas nuevas",
           "flagged": "marcadas por datos cambiados",
           "flagged_configuration": "marcadas por configuración cambiada",
           "flagged_superseded": "marcadas por datos reemplazados durante la corrida",
           "flagged_held": "marcadas por pares retenidos",
           "flagged_unproposed": "marcadas por no volver a proponerse",
           "abandoned": "corridas interrumpidas marcadas fallidas",
           "compiled_families": "familias compiladas",
           "compiled_relative_families": "familias de familiares compiladas",
           "searches_reused": "búsquedas reutilizadas", "held_back": "pares retenidos",
           "family_level": "restos ubicados a nivel de familia",
           "withdrawn_samples": "muestras retiradas", "withdrawn_families": "familias retiradas",
           "withdrawn_relatives": "familiares retirados",
           "rejected_identified_again": "pares rechazados identificados de nuevo"},
    "en": {"families": "families", "pm_samples": "PM samples",
           "new_versions": "new data versions", "candidates": "candidates",
           "candidates_new": "new candidates", "candidates_stronger": "stronger candidates",
           "candidates_weaker": "weaker candidates",
           "candidates_withdrawn": "withdrawn candidates",
           "identifications": "identifications", "new_proposals": "new proposals",
           "flagged": "flagged for changed data",
           "flagged_configuration": "flagged for a changed configuration",
           "flagged_superseded": "flagged for data replaced during the run",
           "flagged_held": "flagged for pairs held back",
           "flagged_unproposed": "flagged as not proposed again",
           "abandoned": "interrupted runs marked failed",
           "compiled_families": "families compiled",
           "compiled_relative_families": "relatives' families compiled",
           "searches_reused": "searches reused", "held_back": "pairs held back",
           "family_level": "remains placed at family level",
           "withdrawn_samples": "samples withdrawn", "withdrawn_families": "families withdrawn",
           "withdrawn_relatives": "relatives withdrawn",
           "rejected_identified_again": "rejected pairs identified again"},
}
